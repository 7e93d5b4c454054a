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

    /// The recorded pauses still in force at `now`. Files of pauses that are over are removed, so that
    /// `ls accounts/` shows only the accounts that are waiting.
    public func load(now: Date) -> [String: Date] {
        var pauses: [String: Date] = [:]
        for (account, date, _) in recorded() {
            if date > now {
                pauses[account] = date
            } else {
                remove(account: account)
            }
        }
        return pauses
    }

    /// Removes the files of pauses that are over at `now`.
    public func removeExpired(now: Date) {
        for (account, date, _) in recorded() where date <= now { remove(account: account) }
    }

    /// The pauses in force at `now`, by account, with the reason the network gave; nothing is removed (for
    /// `spoolpost status`, which only reads).
    public func inForce(now: Date) -> [(account: String, until: Date, reason: String)] {
        recorded().filter { $0.1 > now }.map { (account: $0.0, until: $0.1, reason: $0.2) }
            .sorted { $0.account < $1.account }
    }

    /// Every readable pause file: account, time and reason. Unreadable ones are left alone for a person to look at.
    private func recorded() -> [(String, Date, String)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return names.filter { $0.hasSuffix(Self.suffix) }.compactMap { name in
            guard let data = FileManager.default.contents(atPath: (folder as NSString).appendingPathComponent(name)),
                let root = try? YAMLLoader.load(Array(data)), let text = root["not_before"]?.scalar,
                let date = RFC3339.parse(text)
            else { return nil }
            return (String(name.dropLast(Self.suffix.count)), date, root["reason"]?.scalar ?? "")
        }
    }

    private func remove(account: String) {
        try? FileManager.default.removeItem(atPath: (folder as NSString).appendingPathComponent(account + Self.suffix))
    }

    static let suffix = ".not-before"

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
            Array(text.utf8), directory: folder, name: account + Self.suffix, mode: 0o644, replace: true)
    }
}
