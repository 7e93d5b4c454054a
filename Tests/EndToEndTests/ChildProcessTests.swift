import Foundation
import SpoolpostTestSupport
import Testing

/// The launcher the end-to-end tests start `spoolpost` with.
@Suite("starting the programs under test")
struct ChildProcessTests {
    @Test("the child inherits stdin, stdout and stderr only, not the test process's other descriptors")
    func inheritsNoOtherDescriptors() async throws {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        // Inheritable copies (no close-on-exec) at numbers nothing else in this process uses.
        let inheritable: [Int32] = [901, 902]
        for (end, number) in zip(ends, inheritable) { #expect(dup2(end, number) == number) }
        defer { (ends + inheritable).forEach { close($0) } }
        let listing = try await ChildProcess.run("/bin/ls", ["-1", "/proc/self/fd"])
        #expect(listing.termination == .exited(0), "\(listing.errors)")
        let descriptors = Set(listing.output.split(separator: "\n").compactMap { Int32($0) })
        #expect(descriptors.isDisjoint(with: inheritable), "\(listing.output)")
        // Beyond the three standard streams, only the directory ls itself opened to list.
        #expect(descriptors.isSuperset(of: [0, 1, 2]) && descriptors.count <= 4, "\(listing.output)")
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
