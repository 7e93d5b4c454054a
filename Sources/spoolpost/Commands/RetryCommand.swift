import SpoolpostCore
import ArgumentParser
import SpoolpostEngine

struct RetryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Send a failed post again: only its targets that did not succeed.",
        discussion: "The post moves from failed/ back to publishing/; a running daemon picks it up at once."
    )

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The post id (or its file name).")
    var id: String

    func run() throws {
        let loaded = try LoadedConfiguration.load(options)
        let operations = SpoolOperations(spool: try openSpool(loaded))
        do {
            let record = try operations.retry(id)
            let again = record.targets.filter { $0.status != .success }.map { "\($0.platform.rawValue)/\($0.account)" }
            print("\(record.postID): moved to publishing/; will send again to \(again.joined(separator: ", "))")
        } catch {
            throw CLIError(error.message)
        }
    }
}
