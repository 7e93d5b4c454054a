import ArgumentParser
import Foundation
import SpoolpostCore
import SpoolpostEngine
import SpoolpostIO

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the posts in each state, with per-target results and next retry times."
    )

    @OptionGroup var options: GlobalOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Argument(help: "Show only this post (its id or file name).")
    var id: String?

    func run() throws {
        let loaded = try LoadedConfiguration.load(options)
        let inspector = SpoolInspector(spool: try openSpool(loaded))
        var entries = inspector.entries()
        if let id {
            guard let entry = inspector.find(id) else { throw CLIError("no post '\(id)' in the spool") }
            entries = [entry]
        }
        if json {
            let objects = entries.map(Self.jsonObject)
            let value: Any = id == nil ? objects : objects[0]
            let data = try JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let pauses = AccountPauses(spoolRoot: loaded.spoolRoot).inForce(now: Date())
        for pause in pauses {
            print("account \(pause.account) paused by its network until \(RFC3339.format(pause.until)): \(pause.reason)")
        }
        if entries.isEmpty {
            print("the spool \(loaded.spoolRoot) is empty")
            return
        }
        print(Self.table(entries))
    }

    static func table(_ entries: [SpoolInspector.Entry]) -> String {
        var rows = [["STATE", "POST", "STATUS", "TARGETS", "NEXT RETRY"]]
        for entry in entries {
            let record = entry.record
            let targets = record?.targets.map { target in
                var text = "\(target.platform.rawValue)/\(target.account):\(target.status.rawValue)"
                if let id = target.platformPostID { text += "(\(id))" }
                return text
            }.joined(separator: " ") ?? "-"
            rows.append([
                entry.state.rawValue, entry.postID, record?.status.rawValue ?? "-", targets.isEmpty ? "-" : targets,
                record?.nextRetryAt.map(RFC3339.format) ?? "-",
            ])
        }
        let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
        var lines = rows.map { row in
            zip(row, widths).enumerated().map { column, pair in
                column == 4 ? pair.0 : pair.0.padding(toLength: pair.1, withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        for entry in entries {
            for target in entry.record?.targets ?? [] {
                if let error = target.error, target.status != .success {
                    lines.append("  \(entry.postID) target \(target.index) (\(target.platform.rawValue)): \(error.code): \(error.message)")
                }
            }
            for error in entry.record?.errors ?? [] { lines.append("  \(entry.postID): \(error)") }
        }
        return lines.joined(separator: "\n")
    }

    static func jsonObject(_ entry: SpoolInspector.Entry) -> [String: Any] {
        var object: [String: Any] = ["state": entry.state.rawValue, "file": entry.fileName, "postId": entry.postID]
        guard let record = entry.record else { return object }
        object["status"] = record.status.rawValue
        object["createdAt"] = RFC3339.format(record.createdAt)
        object["updatedAt"] = RFC3339.format(record.updatedAt)
        object["scheduledAt"] = record.scheduledAt.map(RFC3339.format) ?? NSNull()
        object["publishedAt"] = record.publishedAt.map(RFC3339.format) ?? NSNull()
        object["nextRetryAt"] = record.nextRetryAt.map(RFC3339.format) ?? NSNull()
        object["errors"] = record.errors
        object["results"] = record.targets.map { target -> [String: Any] in
            var result: [String: Any] = [
                "target": target.index, "platform": target.platform.rawValue, "account": target.account,
                "status": target.status.rawValue, "postId": target.platformPostID ?? NSNull(),
                "url": target.url ?? NSNull(), "attempts": target.attempts,
                "nextAttemptAt": target.nextAttemptAt.map(RFC3339.format) ?? NSNull(),
            ]
            if let error = target.error {
                result["error"] = [
                    "code": error.code, "message": error.message, "retryable": error.retryable,
                    "retryAfter": error.retryAfter ?? NSNull(), "attempts": error.attempts, "maxAttempts": error.maxAttempts,
                ] as [String: Any]
            } else {
                result["error"] = NSNull()
            }
            return result
        }
        return object
    }
}
