import Dispatch
import Foundation
import SpoolpostIO
import SpoolpostTestSupport
import Testing

/// Runs the openssl command-line tool, which the tests use as an independent implementation to compare against.
private func openssl(_ arguments: [String], in directory: URL) throws -> Data {
    let candidates = ["/usr/bin/openssl", "/usr/local/bin/openssl", "/opt/homebrew/bin/openssl"]
    guard let path = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
        throw TestFailure("the openssl command-line tool is not installed (looked in \(candidates))")
    }
    let output = directory.appendingPathComponent("openssl-\(UUID().uuidString).out").path
    let errors = output + ".err"
    defer {
        unlink(output)
        unlink(errors)
    }
    let child = try ChildProcess(
        path, arguments, directory: directory.path, stdout: .file(output), stderr: .file(errors))
    let termination = child.waitUntilExit()
    let data = FileManager.default.contents(atPath: output) ?? Data()
    guard termination == .exited(0) else {
        let errorText = FileManager.default.contents(atPath: errors).map { String(decoding: $0, as: UTF8.self) } ?? ""
        throw TestFailure("openssl \(arguments.joined(separator: " ")) failed: \(errorText)")
    }
    return data
}

private struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

private func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("spoolpost-crypto-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Suite("RSA private keys")
struct CryptoRSATests {
    @Test("PKCS#8 and PKCS#1 keys sign exactly as `openssl dgst -sha256 -sign`", arguments: [false, true])
    func signatureMatchesOpenSSL(traditional: Bool) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var generate = ["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "key.pem"]
        if traditional {
            generate = ["genrsa", "-traditional", "-out", "key.pem", "2048"]
        }
        _ = try openssl(generate, in: directory)
        let pem = try String(contentsOf: directory.appendingPathComponent("key.pem"), encoding: .utf8)
        #expect(pem.contains(traditional ? "BEGIN RSA PRIVATE KEY" : "BEGIN PRIVATE KEY"))

        let message = Array("GOOG4-RSA-SHA256\n20190201T090000Z\nscope\n\u{e9}\u{0}binary".utf8)
        try Data(message).write(to: directory.appendingPathComponent("message.bin"))
        let expected = try openssl(["dgst", "-sha256", "-sign", "key.pem", "message.bin"], in: directory)

        let key = try RSAPrivateKey(pem: pem)
        #expect(key.bitCount == 2048)
        let signature = try key.signSHA256(message)
        #expect(signature.count == 256)
        #expect(signature == Array(expected))
    }

    @Test("One shared key signs correctly from many threads at once")
    func concurrentSigning() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "key.pem"],
                        in: directory)
        let key = try RSAPrivateKey(pem: String(contentsOf: directory.appendingPathComponent("key.pem"),
                                                encoding: .utf8))
        let messages = (0..<16).map { Array("message \($0)".utf8) }
        let expected = try messages.map { try key.signSHA256($0) }
        let results = ResultBox(count: messages.count)
        DispatchQueue.concurrentPerform(iterations: messages.count * 4) { iteration in
            let index = iteration % messages.count
            results.record(index, (try? key.signSHA256(messages[index])) == expected[index])
        }
        #expect(results.allTrue(expectedPerIndex: 4))
    }

    @Test("Text that is not a PEM key gives a clear error without echoing the input")
    func badPEM() {
        let secretLooking = "-----BEGIN PRIVATE KEY-----\nnot-base64-SECRET-MATERIAL\n-----END PRIVATE KEY-----\n"
        do {
            _ = try RSAPrivateKey(pem: secretLooking)
            Issue.record("a malformed key was accepted")
        } catch {
            #expect(error.message.hasPrefix("cannot read the RSA private key"))
            #expect(!error.message.contains("SECRET-MATERIAL"))
        }
        #expect(throws: CryptoError.self) { try RSAPrivateKey(pem: "") }
        #expect(throws: CryptoError.self) { try RSAPrivateKey(pem: "hello") }
    }

    @Test("An EC key is refused as not RSA, and an encrypted key is refused without prompting")
    func wrongKinds() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        _ = try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", "ec.pem"],
                        in: directory)
        let ecPEM = try String(contentsOf: directory.appendingPathComponent("ec.pem"), encoding: .utf8)
        do {
            _ = try RSAPrivateKey(pem: ecPEM)
            Issue.record("an EC key was accepted as RSA")
        } catch {
            #expect(error.message.contains("not an RSA key"))
        }

        _ = try openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-aes-256-cbc",
                         "-pass", "pass:correct horse", "-out", "encrypted.pem"], in: directory)
        let encryptedPEM = try String(contentsOf: directory.appendingPathComponent("encrypted.pem"), encoding: .utf8)
        #expect(encryptedPEM.contains("ENCRYPTED"))
        #expect(throws: CryptoError.self) { try RSAPrivateKey(pem: encryptedPEM) }
    }
}

/// Collects outcomes from concurrentPerform's threads.
private final class ResultBox: @unchecked Sendable {
    private let lock = NSLock()
    private var successes: [Int]
    private var failures = 0

    init(count: Int) { successes = Array(repeating: 0, count: count) }

    func record(_ index: Int, _ ok: Bool) {
        lock.lock()
        defer { lock.unlock() }
        if ok { successes[index] += 1 } else { failures += 1 }
    }

    func allTrue(expectedPerIndex: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return failures == 0 && successes.allSatisfy { $0 == expectedPerIndex }
    }
}
