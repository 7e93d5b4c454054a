import SpoolpostAdapters
import SpoolpostCore
import Synchronization

/// A `PublishProgress` that keeps the recorded steps and public-step marks, to feed into a second attempt
/// the way the engine does after a retry or a restart.
final class RecordingProgress: Sendable {
    private struct State {
        var steps: [String: String] = [:]
        /// Every recorded key, in order (a nil value is logged as `-key`).
        var log: [String] = []
        var publicSteps = 0
    }

    private let state: Mutex<State>

    init(steps: [String: String] = [:]) {
        state = Mutex(State(steps: steps))
    }

    var steps: [String: String] { state.withLock { $0.steps } }
    var log: [String] { state.withLock { $0.log } }
    var publicSteps: Int { state.withLock { $0.publicSteps } }

    var progress: PublishProgress {
        PublishProgress(
            recordStep: { key, value in
                self.state.withLock { state in
                    state.steps[key] = value
                    state.log.append(value == nil ? "-" + key : key)
                }
            },
            beginPublicStep: { self.state.withLock { $0.publicSteps += 1 } })
    }
}
