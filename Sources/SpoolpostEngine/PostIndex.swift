import SpoolpostIO
import Synchronization

/// What the engine knows about each post id, for the never-twice rule. Shared with the manifest reader,
/// which runs off the actor: a lookup under a lock instead of a copy of every id per batch of intake.
final class PostIndex: Sendable {
    private let entries = Mutex<[String: SpoolEngine.IndexEntry]>([:])

    subscript(id: String) -> SpoolEngine.IndexEntry? {
        get { entries.withLock { $0[id] } }
        set { entries.withLock { $0[id] = newValue } }
    }

    /// The state folder that keeps `id` from being published again, or nil.
    func blockingState(_ id: String) -> String? {
        guard let entry = self[id], SpoolEngine.blocksReuse(entry) else { return nil }
        return entry.state.rawValue
    }
}
