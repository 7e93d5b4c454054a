import Foundation
import Logging
import SpoolpostSandbox
import SpoolpostTestSupport
import Testing

/// A temporary spool, a loopback receiver (the sandbox with a fault plan) and the real `spoolpost` binary.
final class DaemonHarness: @unchecked Sendable {
    let directory: URL
    let sandbox: SandboxServer
    let sandboxTask: Task<Void, any Error>
    let port: Int
    private(set) var daemon: ChildProcess?
    private var logFiles: [URL] = []

    var spool: URL { directory.appendingPathComponent("spool") }
    var configPath: String { directory.appendingPathComponent("spoolpost.yaml").path }

    init(
        faults: SandboxFaults = SandboxFaults(), retry: String = "{max_attempts: 4, base_delay: 200ms, max_delay: 2s}",
        extraConfig: String = "", extraAccounts: (_ sandboxBase: String) -> String = { _ in "" }
    ) async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("spoolpost-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var configuration = SandboxConfiguration()
        configuration.faults = faults
        sandbox = SandboxServer(configuration: configuration, logger: Logger(label: "e2e.sandbox"))
        let server = sandbox
        sandboxTask = Task { try await server.run() }
        port = try await sandbox.waitUntilListening()
        let config = """
            spool: spool
            workers: 5
            retry: \(retry)
            accounts:
              hooks:
                platform: webhook
                url: http://127.0.0.1:\(port)/webhook/hooks
                timeout: 60s
            \(extraAccounts("http://127.0.0.1:\(port)"))
            \(extraConfig)
            """
        try config.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    static var binary: URL {
        // Tests/EndToEndTests/DaemonHarness.swift → package root → .build/debug/spoolpost
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/spoolpost")
    }

    /// Runs a CLI command to completion.
    @discardableResult
    func command(_ arguments: [String]) async throws -> (status: Int32, output: String, errors: String) {
        try await runSpoolpost(arguments, in: directory)
    }

    /// Starts `spoolpost run` in the background and waits until its spool is ready.
    func startDaemon(_ extra: [String] = []) async throws {
        let log = directory.appendingPathComponent("daemon-\(logFiles.count).log")
        daemon = try ChildProcess(
            Self.binary.path, ["run", "--config", configPath] + extra, directory: directory.path,
            stdout: .file(log.path), stderr: .file(log.path))
        logFiles.append(log)
        try await waitFor("the daemon to be ready") { self.log.contains("spool ready") }
    }

    var log: String {
        guard let last = logFiles.last, let data = FileManager.default.contents(atPath: last.path) else { return "" }
        return String(decoding: data, as: UTF8.self)
    }

    var allLogs: String {
        logFiles.compactMap { FileManager.default.contents(atPath: $0.path) }.map { String(decoding: $0, as: UTF8.self) }
            .joined(separator: "\n----\n")
    }

    func signal(_ signal: Int32) {
        daemon?.signal(signal)
    }

    @discardableResult
    func waitForExit() async throws -> Int32 {
        guard let daemon else { return -1 }
        try await waitFor("the daemon to exit") { !daemon.isRunning }
        return daemon.waitUntilExit().status
    }

    func stop() {
        signal(SIGKILL)
        daemon?.waitUntilExit()
        sandboxTask.cancel()
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: Files

    func names(_ state: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: spool.appendingPathComponent(state).path)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
    }

    func read(_ state: String, _ name: String) -> String? {
        FileManager.default.contents(atPath: spool.appendingPathComponent(state).appendingPathComponent(name).path)
            .map { String(decoding: $0, as: UTF8.self) }
    }

    /// Drops a manifest the way rsync does: a hidden temporary name, then a rename into place.
    func dropRenamed(_ name: String, _ text: String) throws {
        let temporary = spool.appendingPathComponent("pending/.\(name).Xy12ab")
        try text.write(to: temporary, atomically: false, encoding: .utf8)
        try FileManager.default.moveItem(at: temporary, to: spool.appendingPathComponent("pending/\(name)"))
    }

    /// Waits for a condition, polling; generous so a loaded machine does not fail the test. It sleeps without
    /// holding a thread: the receiver runs in this process, on the same two-thread pool.
    func waitFor(_ what: String, timeout: Double = 60, _ condition: () -> Bool) async throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !condition() {
            if Date() > deadline {
                throw HarnessError("timed out waiting for \(what)\nfolders: \(folderSummary)\nlog:\n\(allLogs)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    var folderSummary: String {
        ["pending", "scheduled", "publishing", "done", "failed"].map { "\($0)=\(names($0))" }.joined(separator: " ")
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
