import Foundation

/// Runs the real `spoolpost` binary to completion in `directory`, waiting on a thread of its own: the
/// receivers these tests run in-process share the two-thread cooperative pool and must keep answering.
func runSpoolpost(_ arguments: [String], in directory: URL) async throws -> (status: Int32, output: String, errors: String) {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do {
                let process = Process()
                process.executableURL = DaemonHarness.binary
                process.arguments = arguments
                process.currentDirectoryURL = directory
                let out = Pipe()
                let err = Pipe()
                process.standardOutput = out
                process.standardError = err
                try process.run()
                // The outputs are a few lines, far below a pipe's buffer, so reading one after the other cannot stall.
                let outData = out.fileHandleForReading.readDataToEndOfFile()
                let errData = err.fileHandleForReading.readDataToEndOfFile()
                process.waitUntilExit()
                continuation.resume(returning: (
                    process.terminationStatus, String(decoding: outData, as: UTF8.self),
                    String(decoding: errData, as: UTF8.self)))
            } catch {
                continuation.resume(throwing: error)
            }
        }
        thread.start()
    }
}
