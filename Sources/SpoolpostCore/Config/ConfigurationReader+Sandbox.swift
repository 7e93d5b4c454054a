/// The `sandbox:` section of spoolpost.yaml.
extension ConfigurationReader {
    static let sandboxSchema = SchemaReader.Schema(accepted: ["faults"])
    static let sandboxFaultSchema = SchemaReader.Schema(
        accepted: ["path", "method", "skip", "count", "fault", "status", "retry_after", "seconds"])

    /// The `fault:` names, in the order the README lists them, and which optional fields each takes
    /// (`path`, `method`, `skip` and `count` apply to all).
    enum SandboxFaultName: String, CaseIterable {
        case rateLimited = "rate_limited", unavailable, serverError = "server_error", status, timeout, reset
        case resetAfterHandling = "reset_after_handling", delay

        var fields: Set<String> {
            switch self {
            case .rateLimited, .unavailable, .serverError: ["retry_after"]
            case .status: ["status", "retry_after"]
            case .timeout, .delay: ["seconds"]
            case .reset, .resetAfterHandling: []
            }
        }

        static let names = allCases.map(\.rawValue)
        static let fieldsWithKinds = ["status", "retry_after", "seconds"]
    }

    /// Upper bounds that catch a slip of the unit (`seconds: 5000` meant as milliseconds) without getting in the way.
    private static let maximumFaultSeconds: Double = 86_400
    private static let maximumRetryAfter = 7 * 86_400
    private static let maximumFaultCount = 1_000_000

    static func readSandbox(_ node: YAMLNode, into sandbox: inout SandboxSettings, _ reader: inout SchemaReader) {
        if node.isNull { return }
        let what = "a mapping with faults: (a list of injected failures)"
        guard let fields = reader.fields(of: node, path: "sandbox", what: what, schema: sandboxSchema) else { return }
        guard let list = fields["faults"], !list.isNull else { return }
        let listWhat = "a list of faults, each a mapping with path:, count: and fault:"
        guard let items = reader.list(list, path: "sandbox.faults", what: listWhat) else { return }
        sandbox.faults = items.enumerated().compactMap { index, item in
            readSandboxFault(item, path: SchemaReader.path("sandbox.faults", index), &reader)
        }
    }

    /// One fault, or nil (after reporting) when anything in it is wrong: a half-understood rule would inject
    /// something the person did not ask for.
    private static func readSandboxFault(
        _ node: YAMLNode, path: String, _ reader: inout SchemaReader
    ) -> SandboxFaultSetting? {
        let what = "a mapping with path:, count:, fault: and the fault's settings"
        guard let fields = reader.fields(of: node, path: path, what: what, schema: sandboxFaultSchema) else {
            return nil
        }
        let errorsBefore = reader.diagnostics.count
        func field(_ name: String) -> String { SchemaReader.path(path, name) }
        var prefix: String?
        if let value = fields["path"] {
            prefix = faultPathPrefix(value, path: field("path"), &reader)
        } else {
            reader.error(node.mark, field("path"), "a fault needs `path:`, the request path prefix it applies to, "
                + "such as /graph.facebook.com/ or /webhook/")
        }
        let method = fields["method"].flatMap { faultMethod($0, path: field("method"), &reader) }
        let skip = fields["skip"].flatMap { reader.int($0, path: field("skip"), range: 0...maximumFaultCount) }
        // nil is `all`, or a wrong value that was reported (the entry is then dropped below).
        var count: Int?
        if let value = fields["count"] {
            count = faultCount(value, path: field("count"), &reader)
        } else {
            reader.error(node.mark, field("count"), "a fault needs `count:`, how many matching requests get it "
                + "(a number, or all)")
        }
        let fault = faultKind(fields, node: node, path: path, &reader).flatMap {
            faultValue($0, fields, path: path, &reader)
        }
        guard reader.diagnostics.count == errorsBefore, let prefix, let fault else { return nil }
        return SandboxFaultSetting(pathPrefix: prefix, method: method, skip: skip ?? 0, count: count, fault: fault)
    }

    private static func faultPathPrefix(_ node: YAMLNode, path: String, _ reader: inout SchemaReader) -> String? {
        guard let text = reader.string(node, path: path, what: "a request path prefix such as /webhook/") else {
            return nil
        }
        guard text.hasPrefix("/") else {
            reader.error(node.mark, path, "'\(text)' must start with '/': it is matched against request paths on "
                + "the sandbox, such as /graph.facebook.com/v21.0/sandbox-page/feed")
            return nil
        }
        if let bad = text.first(where: { $0 == "?" || $0 == "#" || $0.isWhitespace }) {
            reader.error(node.mark, path, "'\(text)' contains '\(bad)': only the path is matched (no query, "
                + "fragment or spaces)")
            return nil
        }
        return text
    }

    private static func faultMethod(_ node: YAMLNode, path: String, _ reader: inout SchemaReader) -> String? {
        guard let text = reader.string(node, path: path, what: "an HTTP method such as POST") else { return nil }
        guard !text.isEmpty, text.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) || ("a"..."z").contains($0) })
        else {
            reader.error(node.mark, path, "'\(text)' is not an HTTP method; write one such as GET, POST, PUT or DELETE")
            return nil
        }
        return text.uppercased()
    }

    /// A positive count, or nil for `all` (or a wrong value, reported).
    private static func faultCount(_ node: YAMLNode, path: String, _ reader: inout SchemaReader) -> Int? {
        if let text = node.scalar, !node.isQuoted, !node.isNull, text.lowercased() == "all" { return nil }
        guard let text = node.scalar, !node.isQuoted, SchemaReader.isPlainDecimal(text) else {
            reader.mismatch(node, path, expected: "a whole number from 1 to \(maximumFaultCount), or all")
            return nil
        }
        return reader.int(node, path: path, range: 1...maximumFaultCount)
    }

    /// The `fault:` name, checked, with every field it does not take reported.
    private static func faultKind(
        _ fields: SchemaReader.Fields, node: YAMLNode, path: String, _ reader: inout SchemaReader
    ) -> SandboxFaultName? {
        let accepted = SandboxFaultName.names.joined(separator: ", ")
        let faultPath = SchemaReader.path(path, "fault")
        guard let value = fields["fault"] else {
            reader.error(node.mark, faultPath, "a fault needs `fault:`, one of \(accepted)")
            return nil
        }
        guard let text = reader.string(value, path: faultPath, what: "one of \(accepted)") else { return nil }
        guard let kind = SandboxFaultName(rawValue: text.lowercased()) else {
            let hint = SchemaReader.suggestion(for: text, among: SandboxFaultName.names).map { "did you mean '\($0)'?" }
            reader.error(value.mark, faultPath, "unknown fault '\(text)'; \(hint ?? "expected one of \(accepted)")")
            return nil
        }
        for name in SandboxFaultName.fieldsWithKinds where !kind.fields.contains(name) {
            guard let given = fields.known[name] else { continue }
            let takers = SandboxFaultName.allCases.filter { $0.fields.contains(name) }.map(\.rawValue)
            reader.error(
                given.key.mark, SchemaReader.path(path, name),
                "`\(name)` does not apply to fault: \(kind.rawValue); it is for \(takers.joined(separator: ", "))")
        }
        return kind
    }

    private static func faultValue(
        _ kind: SandboxFaultName, _ fields: SchemaReader.Fields, path: String, _ reader: inout SchemaReader
    ) -> SandboxFaultSetting.Fault? {
        let retryAfter = fields["retry_after"].flatMap {
            faultRetryAfter($0, path: SchemaReader.path(path, "retry_after"), &reader)
        }
        let secondsPath = SchemaReader.path(path, "seconds")
        let seconds = fields["seconds"].flatMap { faultSeconds($0, path: secondsPath, &reader) }
        switch kind {
        case .rateLimited: return .rateLimited(retryAfter: retryAfter)
        case .unavailable: return .unavailable(retryAfter: retryAfter)
        case .serverError: return .serverError(retryAfter: retryAfter)
        case .status:
            let statusPath = SchemaReader.path(path, "status")
            guard let node = fields["status"] else {
                reader.error(fields["fault"]?.mark, statusPath, "fault: status needs `status:`, an HTTP status "
                    + "from 400 to 599 such as 502")
                return nil
            }
            return reader.int(node, path: statusPath, range: 400...599).map { .status($0, retryAfter: retryAfter) }
        case .timeout: return .timeout(seconds: seconds ?? SandboxFaultSetting.defaultTimeoutSeconds)
        case .reset: return .reset
        case .resetAfterHandling: return .resetAfterHandling
        case .delay:
            guard let seconds else {
                if fields["seconds"] == nil {
                    reader.error(fields["fault"]?.mark, secondsPath, "fault: delay needs `seconds:`, how long to "
                        + "wait before answering (such as 5 or 500ms)")
                }
                return nil
            }
            return .delay(seconds: seconds)
        }
    }

    /// Whole seconds, as `Retry-After` carries them.
    private static func faultRetryAfter(_ node: YAMLNode, path: String, _ reader: inout SchemaReader) -> Int? {
        guard let seconds = reader.duration(node, path: path) else { return nil }
        guard seconds >= 0, seconds == seconds.rounded(), seconds <= Double(maximumRetryAfter) else {
            reader.error(node.mark, path, "must be a whole number of seconds from 0 to 7d, as Retry-After carries it")
            return nil
        }
        return Int(seconds)
    }

    private static func faultSeconds(_ node: YAMLNode, path: String, _ reader: inout SchemaReader) -> Double? {
        guard let seconds = positiveDuration(node, path, &reader) else { return nil }
        guard seconds <= maximumFaultSeconds else {
            reader.error(node.mark, path, "\(HumanDuration.describe(seconds)) is too long; at most 1 day (86400s)")
            return nil
        }
        return seconds
    }
}
