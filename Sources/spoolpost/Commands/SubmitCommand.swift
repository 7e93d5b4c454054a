import ArgumentParser
import Foundation
import SpoolpostAdapters
import SpoolpostCore
import SpoolpostEngine
import SpoolpostIO

struct SubmitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Validate manifests, then place them atomically into pending/.",
        discussion: "Prints the id of each post placed. Nothing is placed unless every file is valid."
    )

    @OptionGroup var options: GlobalOptions

    @Argument(help: "Manifest files (.yaml, .yml or .json).")
    var files: [String]

    func run() throws {
        let loaded = try LoadedConfiguration.load(options)
        let spool = try openSpool(loaded)
        let http = try HTTPClient()
        defer { http.shutdown() }
        let validation = ManifestValidation(loaded: loaded, spool: spool, http: http)
        var accepted: [(bytes: [UInt8], name: String, id: String)] = []
        var problems = 0
        for file in files {
            let (bytes, result) = try validation.validate(file: file)
            for diagnostic in result.diagnostics { printError(diagnostic.description) }
            guard let manifest = result.manifest else {
                problems += 1
                continue
            }
            accepted.append((bytes, (file as NSString).lastPathComponent, manifest.id))
        }
        guard problems == 0 else {
            printError("nothing submitted: \(problems) of \(files.count) file(s) invalid")
            throw ExitCode(1)
        }
        let operations = SpoolOperations(spool: spool)
        for item in accepted {
            do {
                try operations.submit(item.bytes, name: item.name)
            } catch {
                throw CLIError(error.message)
            }
            print(item.id)
        }
    }
}

/// Validation as the daemon does it, for `validate` and `submit`.
struct ManifestValidation {
    let loaded: LoadedConfiguration
    let spool: SpoolDirectory?
    /// The accounts' adapters, for each network's rules; nil when they could not be built (then only the
    /// manifest's own rules are checked, and a warning says so).
    let adapters: AdapterRegistry?

    init(loaded: LoadedConfiguration, spool: SpoolDirectory?, http: HTTPClient) {
        self.loaded = loaded
        self.spool = spool
        do {
            adapters = try AdapterRegistry(
                configuration: loaded.configuration, baseDirectory: loaded.baseDirectory, http: http)
        } catch {
            FileHandle.standardError.write(Data(
                "warning: the networks' own rules are not checked: \(error.message)\n".utf8))
            adapters = nil
        }
    }

    func validate(file: String) throws -> (bytes: [UInt8], result: ManifestReadResult) {
        let name = (file as NSString).lastPathComponent
        let problem: String?
        do { problem = try ManifestFile.fileProblem(atPath: file) } catch { throw CLIError(error.message) }
        if let problem { return ([], failure(name, problem)) }
        guard let data = FileManager.default.contents(atPath: file) else { throw CLIError("\(file): cannot be read") }
        let taken = spool.map { SpoolInspector(spool: $0).takenIDs() } ?? [:]
        let mediaRoot = (loaded.spoolRoot as NSString).appendingPathComponent("media")
        var context = ManifestRules.context(
            configuration: loaded.configuration, mediaRoot: mediaRoot, adapters: adapters, fileName: name, now: Date())
        context.existingState = { taken[$0] }
        guard SpoolNames.isManifestName(name) else {
            return ([], failure(name, "not a manifest: names must end in .yaml, .yml or .json"))
        }
        return (Array(data), ManifestFile.read(Array(data), context: context))
    }

    private func failure(_ name: String, _ message: String) -> ManifestReadResult {
        ManifestReadResult(manifest: nil, diagnostics: [Diagnostic(.error, file: name, mark: nil, path: "", message)])
    }
}

func openSpool(_ loaded: LoadedConfiguration) throws -> SpoolDirectory {
    do {
        return try SpoolDirectory(root: loaded.spoolRoot, create: false)
    } catch {
        throw CLIError("spool \(loaded.spoolRoot): \(error) (run `spoolpost init` to create one)")
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
