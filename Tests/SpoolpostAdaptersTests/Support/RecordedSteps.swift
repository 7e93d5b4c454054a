import SpoolpostAdapters
import SpoolpostCore
import Synchronization

/// A `PublishProgress` that keeps what an adapter records, in order, so a test can feed the steps into a
/// second attempt (as the engine does after a retry or a restart) and check what each attempt did.
final class RecordedSteps: Sendable {
    struct Log {
        var steps: [String: String] = [:]
        /// Every `record` call in order, `key=value` (`key=nil` for a removal).
        var calls: [String] = []
        var publicStepsBegun = 0
    }

    private let log: Mutex<Log>

    init(_ steps: [String: String] = [:]) {
        log = Mutex(Log(steps: steps))
    }

    var steps: [String: String] { log.withLock { $0.steps } }
    var calls: [String] { log.withLock { $0.calls } }
    var recordedKeys: [String] { calls.map { String($0.prefix { $0 != "=" }) } }
    var publicStepsBegun: Int { log.withLock { $0.publicStepsBegun } }

    var progress: PublishProgress {
        PublishProgress(
            recordStep: { key, value in
                self.log.withLock { log in
                    log.steps[key] = value
                    log.calls.append("\(key)=\(value ?? "nil")")
                }
            },
            beginPublicStep: { self.log.withLock { $0.publicStepsBegun += 1 } })
    }
}
