/// The state of a post: the spool folder its manifest file sits in.
public enum SpoolState: String, Sendable, CaseIterable, Hashable {
    case pending, scheduled, publishing, done, failed

    /// Position in `allCases`, used to index per-folder tables.
    var index: Int {
        switch self {
        case .pending: 0
        case .scheduled: 1
        case .publishing: 2
        case .done: 3
        case .failed: 4
        }
    }
}
