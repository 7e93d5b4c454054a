import Glibc

/// Changes to the spool that one post needs together, made durable by `SpoolDirectory.commit`.
///
/// Steps run in this order: writes (renamed over their names), moves, removals. When a step fails the rest of the
/// transaction is skipped; steps already done stay done, so callers order writes so that is safe.
public struct SpoolTransaction: Sendable {
    /// Replace (or create) a file with `bytes`.
    public struct Write: Sendable {
        public var state: SpoolState
        public var name: String
        public var bytes: [UInt8]
        /// Permission bits, applied exactly (not masked by the umask).
        public var mode: mode_t

        public init(state: SpoolState, name: String, bytes: [UInt8], mode: mode_t = 0o644) {
            self.state = state
            self.name = name
            self.bytes = bytes
            self.mode = mode
        }
    }

    /// Move an entry between state folders, never replacing one that exists at the destination.
    public struct Move: Sendable {
        public var name: String
        public var from: SpoolState
        public var to: SpoolState
        /// The name at the destination (a post gets a spool-wide unique name when it leaves pending/).
        public var newName: String

        public init(name: String, from: SpoolState, to: SpoolState, newName: String? = nil) {
            self.name = name
            self.from = from
            self.to = to
            self.newName = newName ?? name
        }
    }

    /// Delete an entry; one that is already gone counts as deleted.
    public struct Removal: Sendable {
        public var state: SpoolState
        public var name: String

        public init(state: SpoolState, name: String) {
            self.state = state
            self.name = name
        }
    }

    public var writes: [Write]
    public var moves: [Move]
    public var removals: [Removal]

    public init(writes: [Write] = [], moves: [Move] = [], removals: [Removal] = []) {
        self.writes = writes
        self.moves = moves
        self.removals = removals
    }

    /// Whether the transaction has nothing to do.
    public var isEmpty: Bool { writes.isEmpty && moves.isEmpty && removals.isEmpty }
}

/// The outcome of one transaction in a commit.
public enum SpoolTransactionResult: Sendable {
    /// Every step is done and durable.
    case committed
    /// A step failed; the steps before it are done and durable, the ones after it were not attempted.
    case failed(SpoolError)

    /// The error when the transaction failed.
    public var error: SpoolError? {
        if case .failed(let error) = self { return error }
        return nil
    }
}
