import ArgumentParser
import Foundation
import SpoolpostCore
import SpoolpostIO

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check manifests without placing them: exit 0 if all are valid, 1 otherwise.",
        discussion: "Every problem is printed as FILE:LINE:COL: field: what is wrong and what is expected."
    )

    @OptionGroup var options: GlobalOptions

    @Flag(help: "Print the results as JSON.")
    var json = false

    @Argument(help: "Manifest files (.yaml, .yml or .json).")
    var files: [String]

    func run() throws {
        let loaded = try LoadedConfiguration.load(options)
        let spool = try? SpoolDirectory(root: loaded.spoolRoot, create: false)
        let http = try HTTPClient()
        defer { http.shutdown() }
        let validation = ManifestValidation(loaded: loaded, spool: spool, http: http)
        var allValid = true
        var report: [[String: Any]] = []
        for file in files {
            let result = try validation.validate(file: file).result
            allValid = allValid && result.manifest != nil
            if json {
                report.append([
                    "file": file, "valid": result.manifest != nil, "id": result.manifest?.id ?? NSNull(),
                    "diagnostics": result.diagnostics.map { diagnostic -> [String: Any] in
                        [
                            "severity": diagnostic.severity.rawValue, "line": diagnostic.mark?.line ?? NSNull(),
                            "column": diagnostic.mark?.column ?? NSNull(), "path": diagnostic.path,
                            "message": diagnostic.message, "text": diagnostic.description,
                        ]
                    },
                ])
            } else {
                for diagnostic in result.diagnostics { print(diagnostic.description) }
                if let manifest = result.manifest { print("\(file): valid (id \(manifest.id), \(manifest.targets.count) target(s))") }
            }
        }
        if json {
            let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        }
        if !allValid { throw ExitCode(1) }
    }
}
