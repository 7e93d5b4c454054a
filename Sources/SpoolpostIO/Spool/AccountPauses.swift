import Foundation
public import SpoolpostCore

/// Per account, the time before which nothing is sent to it (a network said so: a 429 with `Retry-After`,
/// X's `x-rate-limit-reset`, Meta's usage headers). Kept in `<spool>/accounts/NAME.not-before`, one small YAML
/// file per paused account, so a restart respects the wait.
///
/// Every function blocks on the file system: call them off the cooperative pool.
public struct AccountPauses: Sendable {
    public let folder: String

    public init(spoolRoot: String) {
        folder = (spoolRoot as NSString).appendingPathComponent("accounts")
    }

    /// The recorded pauses still in force at `now`.
    public func load(now: Date) -> [String: Date] {
        var pauses: [String: Date] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] where name.hasSuffix(".not-before") {
            guard let data = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(name)),
                let root = try? YAMLLoader.load(Array(data)), let text = root["not_before"]?.scalar,
                let date = RFC3339.parse(text), date > now
            else { continue }
            pauses[String(name.dropLast(".not-before".count))] = date
        }
        return pauses
    }

    /// Records that `account` must not be sent anything before `until`, durably.
    public func record(account: String, until: Date, reason: String) throws(SpoolpostError) {
        // Account names become file names: only those that are portable like post ids are recorded (the pause
        // still holds in memory).
        guard ManifestReader.isValidID(account) else { return }
        try StorageFileIO.makeDirectories(folder, mode: 0o755)
        let text = YAMLWriter.write(.map([
            ("account", .string(account)), ("not_before", .string(RFC3339.format(until))), ("reason", .string(reason)),
        ]))
        try StorageFileIO.writeAtomically(
            Array(text.utf8), directory: folder, name: account + ".not-before", mode: 0o644, replace: true)
    }
}
