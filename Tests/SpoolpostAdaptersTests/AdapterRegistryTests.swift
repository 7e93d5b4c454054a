import Foundation
import Glibc
import SpoolpostAdapters
import SpoolpostCore
import SpoolpostIO
import SpoolpostSandbox
import Testing

@Suite struct AdapterRegistryTests {
    typealias F = AdapterFixture

    static func write(_ text: String, to path: String, mode: mode_t) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        #expect(chmod(path, mode) == 0)
    }

    static func registryError(_ configuration: Configuration, base: String = "/nonexistent") throws -> SpoolpostError {
        try withHTTPClientSync { http in
            do throws(SpoolpostError) {
                _ = try AdapterRegistry(configuration: configuration, baseDirectory: base, http: http)
                Issue.record("the registry was built")
                return SpoolpostError(.internalError, "built")
            } catch {
                return error
            }
        }
    }

    @Test func buildsAWebhookAdapterPerAccount() throws {
        let configuration = Configuration(accounts: [
            "alice": F.account("alice", ["url": "http://127.0.0.1:1/webhook/alice"]),
            "bob": F.account("bob", ["url": "https://hooks.example.com/in", "timeout": "5s"]),
        ])
        try withHTTPClientSync { http in
            let registry = try AdapterRegistry(configuration: configuration, baseDirectory: "/", http: http)
            let alice = try #require(registry.adapter(forAccount: "alice"))
            #expect(alice.platform == .webhook)
            #expect(alice.account == "alice")
            #expect(alice is WebhookAdapter)
            #expect(registry.adapter(forAccount: "bob")?.account == "bob")
            #expect(registry.adapter(forAccount: "carol") == nil)
        }
    }

    @Test func anEmptyConfigurationBuildsAnEmptyRegistry() throws {
        try withHTTPClientSync { http in
            let registry = try AdapterRegistry(configuration: .defaults, baseDirectory: "/", http: http)
            #expect(registry.adapter(forAccount: "sandbox") == nil)
        }
    }

    @Test func collectsEveryProblemInAccountNameOrder() throws {
        let configuration = Configuration(accounts: [
            "zed": F.account("zed", platform: .linkedin),
            "good": F.account("good", ["url": "http://127.0.0.1:1/in"]),
            "abc": F.account("abc", ["url": "ftp://files.example.com/in"]),
            "mid": F.account("mid", ["url": "http://127.0.0.1:1/in", "timeout": "soon"]),
            "nourl": F.account("nourl"),
        ])
        let error = try Self.registryError(configuration)
        #expect(error.code == .invalidConfig)
        #expect(error.message.split(separator: "\n") == [
            "account 'abc': webhook needs `url:` with an http or https URL",
            "account 'mid': timeout 'soon' is not a duration",
            "account 'nourl': webhook needs `url:` with an http or https URL",
            "account 'zed': linkedin needs `author:` with a person or organization URN "
                + "(urn:li:person:… or urn:li:organization:…)",
        ])
    }

    @Test func readsTheSecretFromACredentialsFileRelativeToTheConfig() async throws {
        try await withTemporaryDirectory { folder in
            try Self.write("secret: s3cret\n", to: folder + "/alice.secret", mode: 0o600)
            try await withSandbox(SandboxConfiguration(webhookSecrets: ["alice": "s3cret"])) { server, base, http in
                let configuration = Configuration(accounts: [
                    "alice": F.account("alice", credentials: "alice.secret", ["url": base + "/webhook/alice"]),
                ])
                let registry = try AdapterRegistry(configuration: configuration, baseDirectory: folder, http: http)
                let adapter = try #require(registry.adapter(forAccount: "alice"))
                let outcome = await adapter.publish(F.request())
                #expect(outcome == .published(platformPostID: "wh_000001", url: base + "/posts/wh_000001"))
                #expect(server.store.post(id: "wh_000001")?.signatureVerified == true)
            }
        }
    }

    @Test func refusesCredentialsReadableByOthersOrMissing() async throws {
        try await withTemporaryDirectory { folder in
            try Self.write("secret: s3cret\n", to: folder + "/open.secret", mode: 0o644)
            let open = Configuration(accounts: [
                "alice": F.account("alice", credentials: folder + "/open.secret", ["url": "http://127.0.0.1:1/in"]),
            ])
            let openError = try Self.registryError(open)
            #expect(openError.code == .invalidConfig)
            #expect(openError.message.contains("chmod 600"))
            #expect(!openError.message.contains("s3cret"))

            let missing = Configuration(accounts: [
                "alice": F.account("alice", credentials: "missing.secret", ["url": "http://127.0.0.1:1/in"]),
            ])
            let missingError = try Self.registryError(missing, base: folder)
            #expect(missingError.message.contains(folder + "/missing.secret"))
        }
    }
}
