import Foundation
import SpoolpostTestSupport
import Testing

/// The launcher the end-to-end tests start `spoolpost` with.
@Suite("starting the programs under test")
struct ChildProcessTests {
    @Test("the child inherits stdin, stdout and stderr only, not the test process's other descriptors")
    func inheritsNoOtherDescriptors() async throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)  // deliberately without close-on-exec
        defer { ends.forEach { close($0) } }
        let listing = try await ChildProcess.run("/bin/ls", ["-1", "/proc/self/fd"])
        #expect(listing.termination == .exited(0), "\(listing.errors)")
        let descriptors = Set(listing.output.split(separator: "\n").compactMap { Int32($0) })
        // ls itself holds the directory it lists open, as the lowest free descriptor.
        #expect(descriptors == [0, 1, 2, 3], "\(listing.output)")
    }

    @Test("exit codes and signals are told apart, and a signal goes to the child's pid")
    func terminations() async throws {
        let exited = try await ChildProcess.run("/bin/sh", ["-c", "echo out; echo err >&2; exit 7"])
        #expect(exited.termination == .exited(7))
        #expect(exited.output == "out\n")
        #expect(exited.errors == "err\n")

        let sleeper = try ChildProcess("/bin/sleep", ["60"])
        #expect(sleeper.isRunning)
        sleeper.signal(SIGTERM)
        #expect(await sleeper.exit() == .signalled(SIGTERM))
        sleeper.signal(SIGKILL)  // reaped: nothing is sent to a pid that may have been reused
        #expect(sleeper.termination == .signalled(SIGTERM))
    }

    @Test("the working directory is the one asked for")
    func workingDirectory() async throws {
        let printed = try await ChildProcess.run("/bin/pwd", [], directory: "/usr/share")
        #expect(printed.output == "/usr/share\n")
    }
}
