import ArgumentParser
import Foundation
import SpoolpostCore
import SpoolpostEngine
import SpoolpostIO

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show, target by target, the HTTP requests a manifest would make, without sending anything.",
        discussion: """
            The manifest is validated first (exit 1 if it is not valid). Then each target's adapter runs once \
            against the built-in simulator of its network, inside this process, and the media goes to a \
            throwaway object store: the requests shown are the ones the real code makes, printed with the \
            account's real URLs and with tokens, signatures and keys hidden. Ids in later requests are the \
            simulator's. The accounts' tokens are never used (the simulators get the sandbox's; for an X account, \
            only whether its credentials are OAuth 1.0a keys is looked at), so token refreshes do not appear.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Flag(help: "Print the plan as JSON.")
    var json = false

    @Argument(help: "A manifest file (.yaml, .yml or .json).")
    var file: String

    func run() async throws {
        let loaded = try LoadedConfiguration.load(options)
        guard let manifest = try validatedManifest(loaded) else { throw ExitCode(1) }
        let environment = try await RehearsalEnvironment.start(for: manifest, loaded: loaded)
        let report = await environment.rehearsal.run(environment.manifest)
        await environment.stop()

        if json {
            print(report.json())
            return
        }
        var header = ["plan for \(file) (post \(manifest.id), \(manifest.targets.count) target(s))"]
        if let scheduleAt = manifest.scheduleAt {
            header.append("scheduled for \(ISO8601DateFormatter().string(from: scheduleAt)); shown as if it were due")
        }
        header.append(
            "nothing leaves this machine: the requests below went to the built-in simulators, shown with the real URLs")
        for (index, mimeType) in environment.standIns.sorted(by: { $0.key < $1.key }) {
            header.append(
                "media \(index + 1) is not fetched for a plan: the simulators got a stand-in (\(mimeType)) in its place")
        }
        print(header.joined(separator: "\n") + "\n")
        print(report.rendered())
    }

    /// The manifest, or nil after printing why it is not valid. Warnings are printed too.
    private func validatedManifest(_ loaded: LoadedConfiguration) throws -> Manifest? {
        let http = try HTTPClient()
        defer { http.shutdown() }
        // No spool: a plan is for a manifest not yet submitted, so ids already in the spool are not a problem.
        let result = try ManifestValidation(loaded: loaded, spool: nil, http: http).validate(file: file).result
        for diagnostic in result.diagnostics { printError(diagnostic.description) }
        return result.manifest
    }
}
