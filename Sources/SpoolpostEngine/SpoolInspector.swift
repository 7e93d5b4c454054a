import Foundation
public import SpoolpostCore
public import SpoolpostIO

/// Reads the spool without a daemon: what `status`, `submit`, `retry` and `cancel` see. Blocking.
public struct SpoolInspector: Sendable {
    /// One post as its files show it.
    public struct Entry: Sendable {
        public var state: SpoolState
        public var fileName: String
        public var stem: String
        /// The post id: from the status file, else the file name's stem.
        public var postID: String
        /// Nil when there is no status file (pending/, or a file placed by hand).
        public var record: PostRecord?
    }

    public let spool: SpoolDirectory

    public init(spool: SpoolDirectory) { self.spool = spool }

    /// Every manifest in the spool with its status, by state then name.
    public func entries(in states: [SpoolState] = SpoolState.allCases) -> [Entry] {
        var result: [Entry] = []
        for state in states {
            for name in (try? spool.list(state)) ?? [] where SpoolNames.isManifestName(name) {
                let stem = SpoolNames.manifestStem(of: name)
                let record = SpoolEngine.loadRecord(spool: spool, state: state, stem: stem)
                result.append(Entry(state: state, fileName: name, stem: stem, postID: record?.postID ?? stem, record: record))
            }
        }
        return result
    }

    /// Finds a post by id (or by file name stem).
    public func find(_ id: String, in states: [SpoolState] = SpoolState.allCases) -> Entry? {
        let all = entries(in: states)
        return all.first { $0.postID == id } ?? all.first { $0.stem == id || $0.fileName == id }
    }

    /// The ids that a new manifest may not reuse, with the folder holding each.
    public func takenIDs() -> [String: String] {
        var taken: [String: String] = [:]
        for entry in entries(in: [.scheduled, .publishing, .done, .failed]) {
            let blocks = SpoolEngine.blocksReuse(SpoolEngine.IndexEntry(state: entry.state, status: entry.record?.status))
            if blocks { taken[entry.postID] = entry.state.rawValue }
        }
        return taken
    }

    /// A stem not used in any folder, for a file arriving under `name`.
    public func freeStem(for name: String) -> String {
        // pending/ names are not taken: a post gets its lasting name when it leaves pending/.
        let used = Set(entries(in: [.scheduled, .publishing, .done, .failed]).map(\.stem))
        let base = SpoolNames.manifestStem(of: name)
        var stem = base
        var counter = 2
        while used.contains(stem) {
            stem = "\(base)-\(counter)"
            counter += 1
        }
        return stem
    }
}
