import Foundation
import Logging
import SpoolpostCore
import SpoolpostIO
import SpoolpostSandbox
import SpoolpostTestSupport
import Synchronization
import Testing

/// A clock the tests move by hand.
final class ManualClock: Sendable {
    private let current: Mutex<Date>

    init(_ date: Date) { current = Mutex(date) }

    var now: Date { current.withLock { $0 } }
    func set(_ date: Date) { current.withLock { $0 = date } }
    var function: @Sendable () -> Date { { self.now } }
}

struct HarnessFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

let bucket = "spoolpost-local"
/// 2026-01-15T10:00:00Z
let baseTime = Date(timeIntervalSince1970: 1_768_471_200)
let testHMACKey = try! GCSHMACKey(
    accessID: "GOOG1TESTACCESSID0000000", secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTAw"
)

let serviceAccountFile = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // SpoolpostSandboxTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()  // package root
    .deletingLastPathComponent()
    .appendingPathComponent("shared/conformance/gcs/test_service_account.json")

/// One object store on a temporary root (or a given one), running in this process until `stop()`.
final class StoreHarness: Sendable {
    let parent: URL
    let root: URL
    let serverClock: ManualClock
    let server: ObjectStoreServer
    let port: Int
    private let task: Task<Void, any Error>

    private init(parent: URL, root: URL, clock: ManualClock, server: ObjectStoreServer, port: Int,
        task: Task<Void, any Error>)
    {
        self.parent = parent
        self.root = root
        serverClock = clock
        self.server = server
        self.port = port
        self.task = task
    }

    /// Starts a store. `reusing` keeps another harness's root (and, with `samePort`, its port) to test restarts.
    static func start(
        reusing previous: StoreHarness? = nil,
        samePort: Bool = false,
        serviceAccounts: [String: RSAPublicKey] = [:]
    ) async throws -> StoreHarness {
        let parent: URL
        if let previous {
            parent = previous.parent
        } else {
            parent = FileManager.default.temporaryDirectory
                .appendingPathComponent("spoolpost-store-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        }
        let root = parent.appendingPathComponent("store")
        let clock = previous?.serverClock ?? ManualClock(baseTime)
        var logger = Logger(label: "objectstore-test")
        logger.logLevel = .warning
        // A just-closed listening port can take a moment to become free again; try a few times.
        var lastError: (any Error)?
        for _ in 0..<50 {
            let configuration = ObjectStoreConfiguration(
                rootDirectory: root.path,
                port: samePort ? previous?.port ?? 0 : 0,
                buckets: [bucket],
                hmacKeys: [testHMACKey.accessID: testHMACKey],
                serviceAccounts: serviceAccounts,
                clock: clock.function
            )
            let server = ObjectStoreServer(configuration: configuration, logger: logger)
            let task = Task { try await server.run() }
            do {
                let port = try await server.waitUntilListening()
                return StoreHarness(parent: parent, root: root, clock: clock, server: server, port: port, task: task)
            } catch {
                lastError = error
                task.cancel()
                _ = await task.result
                try await Task.sleep(for: .milliseconds(200))
            }
        }
        throw lastError ?? HarnessFailure("the object store did not start")
    }

    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Stops the store and waits until its task has ended.
    func stop() async {
        task.cancel()
        _ = await task.result
    }

    /// Removes the temporary directory.
    func removeFiles() {
        try? FileManager.default.removeItem(at: parent)
    }

    func client(
        signer: GCSURLSigner = GCSURLSigner(hmacKey: testHMACKey),
        bucket: String = bucket,
        http: HTTPClient,
        clock: @escaping @Sendable () -> Date = { baseTime }
    ) -> GCSObjectClient {
        GCSObjectClient(
            signer: signer, bucket: bucket, style: .pathStyle, scheme: "http", endpoint: endpoint, httpClient: http,
            clock: clock
        )
    }

    /// Writes `bytes` to a new file beside the store's root and returns its path.
    func file(_ bytes: [UInt8], name: String = UUID().uuidString) throws -> String {
        let url = parent.appendingPathComponent("upload-\(name)")
        try Data(bytes).write(to: url)
        return url.path
    }
}

/// Deterministic pseudo-random bytes.
func testBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    TestBytes.pattern(count, seed: seed)
}

/// The XML `<Code>` of an error body.
func xmlCode(_ response: HTTPResponse) -> String? {
    let text = response.bodyText
    guard let start = text.range(of: "<Code>"), let end = text.range(of: "</Code>") else { return nil }
    return String(text[start.upperBound..<end.lowerBound])
}

/// Runs `body` with a started store and an HTTP client, then stops both and removes the files.
func withStore(
    serviceAccounts: [String: RSAPublicKey] = [:],
    _ body: (StoreHarness, HTTPClient) async throws -> Void
) async throws {
    let store = try await StoreHarness.start(serviceAccounts: serviceAccounts)
    let http = try HTTPClient()
    do {
        try await body(store, http)
    } catch {
        http.shutdown()
        await store.stop()
        store.removeFiles()
        throw error
    }
    http.shutdown()
    await store.stop()
    store.removeFiles()
}
