import SpoolpostAdapters
import SpoolpostCore
import Synchronization

/// A `PublishProgress` that keeps what an adapter records, in order, so a test can feed the steps into a second
/// attempt (as the engine does after a retry or a restart) and check what each attempt did.
final class RecordingProgress: Sendable {
    enum Event: Equatable, Sendable {
        /// A recorded step; a nil value removes it.
        case step(String, String?)
        case publicStep
    }

    private let state: Mutex<(steps: [String: String], events: [Event])>

    init(steps: [String: String] = [:]) {
        state = Mutex((steps, []))
    }

    var steps: [String: String] { state.withLock { $0.steps } }
    var events: [Event] { state.withLock { $0.events } }
    var publicSteps: Int { events.filter { $0 == .publicStep }.count }

    /// Every recorded key in order; a removal is written `-key`.
    var recordedKeys: [String] {
        events.compactMap { event in
            guard case .step(let key, let value) = event else { return nil }
            return value == nil ? "-" + key : key
        }
    }

    /// The recorded steps less `keys`: what a later attempt resumes from when this one died before recording them.
    func steps(without keys: String...) -> [String: String] {
        steps.filter { !keys.contains($0.key) }
    }

    /// The values recorded under `key`, in order.
    func values(of key: String) -> [String] {
        events.compactMap { event in
            if case .step(key, let value?) = event { return value }
            return nil
        }
    }

    var progress: PublishProgress {
        PublishProgress(
            recordStep: { key, value in
                self.state.withLock { state in
                    state.steps[key] = value
                    state.events.append(.step(key, value))
                }
            },
            beginPublicStep: { self.state.withLock { $0.events.append(.publicStep) } })
    }
}
