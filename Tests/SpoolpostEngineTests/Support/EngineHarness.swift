import Foundation
import Logging
import SpoolpostAdapters
import SpoolpostCore
import SpoolpostEngine
import SpoolpostIO
import Synchronization
import Testing

/// A clock the test moves by hand, so that retries and schedules fall due when the test says.
final class TestClock: Sendable {
    private let current: Mutex<Date>

    /// Starts at a whole second, so that times written with millisecond precision read back equal.
    init(_ start: Date = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))) {
        current = Mutex(start)
    }

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// A temporary spool, a scripted adapter per account, and a ``SpoolEngine`` running in-process the way
/// `spoolpost run` builds it.
final class EngineHarness: Sendable {
    let root: String
    let spool: SpoolDirectory
    let clock: TestClock
    let adapters: [String: ScriptedAdapter]
    let configuration: Configuration

    init(
        accounts: [String] = ["hooks"], delivery: DeliveryGuarantee = .atMostOnce,
        retry: RetryPolicy = RetryPolicy(maxAttempts: 4, baseDelay: 2, maxDelay: 3600),
        settings: [String: String] = [:]
    ) throws {
        root = NSTemporaryDirectory() + "spoolpost-engine-\(UUID().uuidString)"
        spool = try SpoolDirectory(root: root, create: true)
        clock = TestClock()
        adapters = Dictionary(uniqueKeysWithValues: accounts.map { ($0, ScriptedAdapter(account: $0)) })
        configuration = Configuration(
            spoolPath: root, workers: 4, retry: retry, delivery: delivery,
            accounts: Dictionary(uniqueKeysWithValues: accounts.map { name in
                (name, AccountConfig(
                    name: name, platform: .webhook,
                    settings: settings.mapValues { YAMLNode(.scalar($0), mark: SourceMark(line: 1, column: 1)) }))
            }))
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func adapter(_ account: String = "hooks") -> ScriptedAdapter { adapters[account]! }

    func makeEngine(once: Bool = false) -> SpoolEngine {
        var logger = Logger(label: "engine-test")
        logger.logLevel = .critical
        let clock = self.clock
        return SpoolEngine(
            spool: spool, adapters: AdapterRegistry(adapters: Array(adapters.values)),
            settings: EngineSettings(configuration: configuration, once: once, pollInterval: 0.1),
            logger: logger, now: { clock.now })
    }

    /// Runs an engine for the duration of `body`, then stops it gracefully and waits for it to return.
    @discardableResult
    func withRunningEngine<T>(_ body: (SpoolEngine) async throws -> T) async throws -> T {
        let engine = makeEngine()
        let task = Task { try await engine.run() }
        do {
            let result = try await body(engine)
            await engine.stop()
            try await task.value
            return result
        } catch {
            await engine.stop()
            _ = try? await task.value
            throw error
        }
    }

    // MARK: - Files

    /// Drops a manifest into pending/ atomically, as a person's `mv` would.
    func drop(_ name: String, _ text: String) throws {
        let staging = root + "/staging-\(UUID().uuidString)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: staging))
        try FileManager.default.moveItem(atPath: staging, toPath: spool.path(.pending, name))
    }

    /// Writes a file straight into a state folder (to set up what a stopped daemon left behind).
    func place(_ state: SpoolState, _ name: String, _ text: String) throws {
        try Data(text.utf8).write(to: URL(fileURLWithPath: spool.path(state, name)))
    }

    func names(_ state: SpoolState) -> [String] {
        ((try? spool.list(state)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    func exists(_ state: SpoolState, _ name: String) -> Bool { spool.exists(state, name) }

    func text(_ state: SpoolState, _ name: String) -> String? {
        ((try? spool.readFile(state, name)) ?? nil).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The status file of `stem` in `state`, read with the daemon's own loader and codec.
    func record(_ state: SpoolState, _ stem: String) -> PostRecord? {
        guard let bytes = (try? spool.readFile(state, SpoolNames.statusName(forStem: stem))) ?? nil,
            let root = try? YAMLLoader.load(bytes),
            case .success(let record) = PostRecordCodec.record(from: root)
        else { return nil }
        return record
    }

    static func manifest(id: String, accounts: [String] = ["hooks"], scheduleAt: Date? = nil, text: String = "Hello") -> String {
        var lines = ["id: \(id)", "text: \(text)"]
        if let scheduleAt { lines.append("schedule_at: \"\(RFC3339.format(scheduleAt))\"") }
        lines.append("targets:")
        for account in accounts { lines += ["  - platform: webhook", "    account: \(account)"] }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Polls `condition` until it holds or `seconds` pass (generous: on a loaded 2-core machine the tests share two
/// pool threads); records an issue (with `what`) if it never held.
@discardableResult
func eventually(
    _ what: String, within seconds: Double = 60, sourceLocation: SourceLocation = #_sourceLocation,
    _ condition: () async throws -> Bool
) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    if try await condition() { return true }
    Issue.record("timed out waiting: \(what)", sourceLocation: sourceLocation)
    return false
}

/// Checks that `condition` stays true for a while (used to show that something does NOT happen).
func staysTrue(for seconds: Double = 0.5, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if !condition() { return false }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

extension PublishOutcome {
    static let transientFailure = PublishOutcome.failed(
        SpoolpostError(.serverError, "the receiver failed on its side (HTTP 503)", retryable: true, platformCode: "503"))
    static let permanentFailure = PublishOutcome.failed(
        SpoolpostError(.rejected, "the receiver rejected the post (HTTP 422)", platformCode: "422"))
}
