/// The outcome of reading a manifest: the post when valid, and every problem found either way.
public struct ManifestReadResult: Sendable {
    /// Nil when any error diagnostic exists.
    public var manifest: Manifest?
    /// Every problem found, errors and warnings, in document order.
    public var diagnostics: [Diagnostic]

    public init(manifest: Manifest?, diagnostics: [Diagnostic]) {
        self.manifest = manifest
        self.diagnostics = diagnostics
    }

    public var errors: [Diagnostic] { diagnostics.filter { $0.severity == .error } }
    public var warnings: [Diagnostic] { diagnostics.filter { $0.severity == .warning } }

    /// An `INVALID_MANIFEST` error listing every error, one per line; nil when the manifest is valid.
    public var error: SpoolpostError? {
        let errors = errors
        guard !errors.isEmpty else { return nil }
        let noun = errors.count == 1 ? "problem" : "problems"
        let lines = errors.map(\.description).joined(separator: "\n")
        return SpoolpostError(.invalidManifest, "\(errors.count) \(noun) in the manifest:\n\(lines)")
    }
}
