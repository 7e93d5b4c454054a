import SpoolpostCore
import ArgumentParser
import SpoolpostEngine

struct CancelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cancel",
        abstract: "Take a pending or scheduled post out: it moves to failed/ with status CANCELLED."
    )

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The post id (or its file name).")
    var id: String

    func run() throws {
        let loaded = try LoadedConfiguration.load(options)
        let operations = SpoolOperations(spool: try openSpool(loaded))
        do {
            let record = try operations.cancel(id, accounts: loaded.configuration.accounts.mapValues(\.platform))
            print("\(record.postID): cancelled (failed/\(record.manifest))")
        } catch {
            throw CLIError(error.message)
        }
    }
}
