import Foundation
public import SpoolpostAdapters
public import SpoolpostCore
import SpoolpostIO

/// The validation context the daemon and the command line share: the configuration's accounts and
/// schedule policy, media files checked by their content and size, and each network's rules from its adapter.
public enum ManifestRules {
    /// The reader's context. The media checks read files: call the reader off the cooperative pool.
    public static func context(
        configuration: Configuration, mediaRoot: String, adapters: AdapterRegistry?, fileName: String = "",
        now: Date
    ) -> ManifestReader.Context {
        var context = ManifestReader.Context(
            fileName: fileName, accounts: configuration.accounts.mapValues(\.platform), now: now,
            schedule: configuration.schedule, defaultTimeZone: configuration.timeZone)
        let limits = configuration.mediaLimits
        context.mediaFileProblem = { path in
            if let problem = ManifestFile.mediaFileProblem(path, mediaRoot: mediaRoot) { return problem }
            do throws(SpoolpostError) {
                _ = try MediaFileInspector.inspect(path: (mediaRoot as NSString).appendingPathComponent(path), limits: limits)
                return nil
            } catch {
                return error.message
            }
        }
        context.mediaType = { reference in
            guard case .file(let path) = reference.source else { return nil }
            let full = (mediaRoot as NSString).appendingPathComponent(path)
            return (try? MediaFileInspector.inspect(path: full, limits: limits))?.type.mimeType
        }
        context.mediaFileSize = { path in
            let full = (mediaRoot as NSString).appendingPathComponent(path)
            return ((try? FileManager.default.attributesOfItem(atPath: full))?[.size] as? NSNumber)?.int64Value
        }
        if let adapters {
            context.targetProblems = { check in adapters.problems(with: check) }
        }
        return context
    }
}
