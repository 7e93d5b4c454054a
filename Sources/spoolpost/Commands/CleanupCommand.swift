import ArgumentParser
import Foundation
import Logging
import SpoolpostCore
import SpoolpostEngine
import SpoolpostIO

struct CleanupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cleanup",
        abstract: "Delete uploaded media of finished posts older than the retention (storage.retention, default 30d).",
        discussion: """
            The daemon does this every day at storage.cleanup_at (default 02:00 local time). Only objects \
            spoolpost uploaded for posts in done/ and failed/ are deleted; each becomes DELETED in the post's \
            status file. Prints one line per object; exits 1 if any deletion failed.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Flag(help: "List what would be deleted, delete nothing.")
    var dryRun = false

    func run() async throws {
        LogSetup.bootstrap(options)
        let logger = Logger(label: "spoolpost")
        let loaded = try LoadedConfiguration.load(options)
        let spool = try openSpool(loaded)
        let http = try HTTPClient()
        defer { http.shutdown() }
        let storage = try await StorageRuntime.start(loaded, logger: logger, serving: false)
        defer { storage.server?.cancel() }
        let cleanup = MediaCleanup(spool: spool, stager: storage.stager(loaded, http: http), logger: logger)
        let items = await cleanup.run(now: Date(), dryRun: dryRun)
        for item in items {
            let verb = dryRun ? "would delete" : item.failure == nil ? "deleted" : "FAILED"
            print("\(verb) \(item.gcsPath) (\(item.state.rawValue)/\(item.postID))\(item.failure.map { ": \($0)" } ?? "")")
        }
        if items.isEmpty { print("nothing to delete") }
        if items.contains(where: { $0.failure != nil }) { throw ExitCode(1) }
    }
}
