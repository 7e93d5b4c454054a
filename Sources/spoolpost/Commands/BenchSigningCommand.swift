import ArgumentParser
import Foundation
import SpoolpostCore
import SpoolpostIO

/// Measures V4 URL signing in-process for `make bench`, which compares it with `openssl speed rsa2048`.
struct BenchSigningCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-signing",
        abstract: "Measure V4 URL signing with a service-account key (for make bench).",
        shouldDisplay: false
    )

    @Option(help: "A service-account JSON key file (mode 0600).")
    var key: String

    @Option(help: "How long to sign for, in seconds.")
    var seconds: Double = 3

    func run() throws {
        let signer: GCSURLSigner
        do {
            signer = try StorageSigner.loadSigner(.serviceAccountKey(path: key))
        } catch {
            throw CLIError(error.message)
        }
        let date = Date()
        var count = 0
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline = start + UInt64(seconds * 1e9)
        var now = start
        while now < deadline {
            // A different object each time, so nothing is reused between signatures but the parsed key.
            let request = GCSSigningRequest(
                bucket: "bench-bucket", object: "media/images/bench/\(count)-x.jpg", method: "GET", expiration: 86_400,
                date: date)
            do { _ = try signer.signedURL(for: request) } catch { throw CLIError(error.message) }
            count += 1
            now = DispatchTime.now().uptimeNanoseconds
        }
        let rate = Double(count) / (Double(now - start) / 1e9)
        print(#"{"signed_urls": \#(count), "urls_per_second": \#(String(format: "%.1f", rate))}"#)
    }
}
