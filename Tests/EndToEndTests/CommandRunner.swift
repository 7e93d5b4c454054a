import Foundation
import SpoolpostTestSupport

/// Runs the real `spoolpost` binary to completion in `directory`. The wait holds no thread: the receivers these
/// tests run in-process share the two-thread cooperative pool and must keep answering.
func runSpoolpost(_ arguments: [String], in directory: URL) async throws
    -> (status: Int32, output: String, errors: String)
{
    let result = try await ChildProcess.run(DaemonHarness.binary.path, arguments, directory: directory.path)
    return (result.status, result.output, result.errors)
}
