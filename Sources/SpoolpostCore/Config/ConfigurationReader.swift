import Foundation

/// Reads and validates spoolpost.yaml, reporting every problem.
public enum ConfigurationReader {
    static let topLevel = SchemaReader.Schema(
        accepted: ["spool", "workers", "timezone", "delivery", "retry", "schedule", "accounts", "storage", "media",
            "sandbox"])
    static let retrySchema = SchemaReader.Schema(accepted: ["max_attempts", "base_delay", "max_delay"])
    static let scheduleSchema = SchemaReader.Schema(accepted: ["max_ahead", "late_grace", "reject_late"])
    static let accountSchema = SchemaReader.Schema(accepted: ["platform", "credentials"])

    /// Keys (compared without case, `_` or `-`) that would put a secret in the configuration file.
    static let secretKeys: Set<String> = [
        "secret", "token", "accesstoken", "refreshtoken", "clientsecret", "password", "apikey", "consumersecret",
        "tokensecret",
    ]

    /// An empty document (nil or null root) is the default configuration.
    /// The configuration is nil when any error was found.
    public static func read(
        _ root: YAMLNode?, fileName: String
    ) -> (configuration: Configuration?, diagnostics: [Diagnostic]) {
        var reader = SchemaReader(file: fileName)
        guard let root, !root.isNull else { return (Configuration.defaults, []) }
        var configuration = Configuration.defaults
        let what =
            "a mapping of settings (spool, workers, timezone, delivery, retry, schedule, accounts, storage, media, "
            + "sandbox)"
        if let fields = reader.fields(of: root, path: "", what: what, schema: topLevel) {
            read(fields, into: &configuration, &reader)
        }
        let diagnostics = reader.diagnostics.inDocumentOrder()
        return (reader.hasErrors ? nil : configuration, diagnostics)
    }

    private static func read(
        _ fields: SchemaReader.Fields, into configuration: inout Configuration, _ reader: inout SchemaReader
    ) {
        if let node = fields["spool"], let spool = reader.string(node, path: "spool", what: "a directory path") {
            if spool.trimmingASCIIWhitespace().isEmpty {
                reader.error(node.mark, "spool", "the spool directory path is empty; leave `spool:` out to use 'spool'")
            } else {
                configuration.spoolPath = spool
            }
        }
        if let node = fields["workers"], let workers = reader.int(node, path: "workers", range: 1...256) {
            configuration.workers = workers
        }
        if let node = fields["timezone"],
           let name = reader.string(node, path: "timezone", what: "an IANA time zone name such as Europe/Paris")
        {
            if TimeZone(identifier: name) == nil {
                reader.error(node.mark, "timezone", ScheduleTimeError.unknownTimeZone(name: name).message)
            } else {
                configuration.timeZone = name
            }
        }
        if let node = fields["delivery"] {
            let accepted = "at-most-once or at-least-once"
            if let text = reader.string(node, path: "delivery", what: accepted) {
                if let delivery = DeliveryGuarantee(rawValue: text.lowercased()) {
                    configuration.delivery = delivery
                } else {
                    reader.error(node.mark, "delivery", "unknown delivery guarantee '\(text)'; expected \(accepted)")
                }
            }
        }
        if let node = fields["retry"] {
            readRetry(node, into: &configuration.retry, &reader)
        }
        if let node = fields["schedule"] {
            readSchedule(node, into: &configuration.schedule, &reader)
        }
        if let node = fields["accounts"], !node.isNull {
            configuration.accounts = readAccounts(node, &reader)
        }
        if let node = fields["storage"] {
            readStorage(node, into: &configuration.storage, &reader)
        }
        if let node = fields["media"] {
            readMedia(node, into: &configuration.mediaLimits, &reader)
        }
        if let node = fields["sandbox"] {
            readSandbox(node, into: &configuration.sandbox, &reader)
        }
    }

    private static func readRetry(_ node: YAMLNode, into retry: inout RetryPolicy, _ reader: inout SchemaReader) {
        let what = "a mapping with max_attempts, base_delay and max_delay"
        guard let fields = reader.fields(of: node, path: "retry", what: what, schema: retrySchema) else { return }
        if let value = fields["max_attempts"],
           let attempts = reader.int(value, path: "retry.max_attempts", range: 1...100)
        {
            retry.maxAttempts = attempts
        }
        if let value = fields["base_delay"], let seconds = positiveDuration(value, "retry.base_delay", &reader) {
            retry.baseDelay = seconds
        }
        if let value = fields["max_delay"], let seconds = positiveDuration(value, "retry.max_delay", &reader) {
            retry.maxDelay = seconds
        }
        if retry.maxDelay < retry.baseDelay {
            let mark = fields["max_delay"]?.mark ?? fields["base_delay"]?.mark ?? node.mark
            reader.error(
                mark, "retry.max_delay",
                "max_delay (\(HumanDuration.seconds(retry.maxDelay))) is shorter than base_delay "
                    + "(\(HumanDuration.seconds(retry.baseDelay))); it must be at least as long")
        }
    }

    private static func readSchedule(
        _ node: YAMLNode, into schedule: inout SchedulePolicy, _ reader: inout SchemaReader
    ) {
        let what = "a mapping with max_ahead, late_grace and reject_late"
        guard let fields = reader.fields(of: node, path: "schedule", what: what, schema: scheduleSchema) else {
            return
        }
        if let value = fields["max_ahead"], let seconds = positiveDuration(value, "schedule.max_ahead", &reader) {
            schedule.maxAhead = seconds
        }
        if let value = fields["late_grace"], let seconds = reader.duration(value, path: "schedule.late_grace") {
            schedule.lateGrace = seconds
        }
        if let value = fields["reject_late"], let reject = reader.bool(value, path: "schedule.reject_late") {
            schedule.rejectLate = reject
        }
    }

    static func positiveDuration(_ node: YAMLNode, _ path: String, _ reader: inout SchemaReader) -> Double? {
        guard let seconds = reader.duration(node, path: path) else { return nil }
        guard seconds > 0 else {
            reader.error(node.mark, path, "must be longer than zero")
            return nil
        }
        return seconds
    }

    private static func readAccounts(_ node: YAMLNode, _ reader: inout SchemaReader) -> [String: AccountConfig] {
        let what = "a mapping of account names to their settings"
        guard let pairs = reader.mapping(node, path: "accounts", what: what) else { return [:] }
        var accounts: [String: AccountConfig] = [:]
        var marks: [String: SourceMark] = [:]
        for pair in pairs {
            guard let name = pair.key.scalar, !pair.key.isNull else {
                reader.error(
                    pair.key.mark, "accounts",
                    "an account name must be plain text, found \(SchemaReader.describe(pair.key))")
                continue
            }
            let path = SchemaReader.path("accounts", name)
            if let earlier = marks[name] {
                reader.error(
                    pair.key.mark, path,
                    "duplicate account '\(name)' (first given at \(earlier)): names must be unique")
                continue
            }
            marks[name] = pair.key.mark
            let nameIsValid = SchemaReader.isPortableName(name)
            if !nameIsValid {
                reader.error(
                    pair.key.mark, path,
                    "invalid account name '\(name)': use only letters, digits, '.', '_' and '-'")
            }
            if let account = readAccount(name, pair.value, path: path, &reader), nameIsValid {
                accounts[name] = account
            }
        }
        return accounts
    }

    private static func readAccount(
        _ name: String, _ node: YAMLNode, path: String, _ reader: inout SchemaReader
    ) -> AccountConfig? {
        let what = "a mapping with platform: and the account's settings"
        guard let fields = reader.fields(of: node, path: path, what: what, schema: accountSchema, allowUnknown: true)
        else { return nil }
        var settings: [String: YAMLNode] = [:]
        var settingsAreValid = true
        for field in fields.others where looksLikeSecret(field.name) {
            settingsAreValid = false
            reader.error(
                field.key.mark, SchemaReader.path(path, field.name),
                "secrets are never inline: put it in a credentials file (mode 0600) and name it with credentials:")
        }
        for field in fields.others { settings[field.name] = field.value }

        var credentials: String?
        if let value = fields["credentials"] {
            credentials = reader.string(value, path: SchemaReader.path(path, "credentials"), what: "a file path")
        }
        guard let platformNode = fields["platform"] else {
            reader.error(
                node.mark, path,
                "account '\(name)' has no platform: add `platform:` (one of \(Platform.acceptedList))")
            return nil
        }
        let platformPath = SchemaReader.path(path, "platform")
        guard let platformName = reader.string(platformNode, path: platformPath, what: "a platform name") else {
            return nil
        }
        guard let platform = Platform(name: platformName) else {
            reader.error(platformNode.mark, platformPath, Platform.unknownNameMessage(platformName))
            return nil
        }
        guard settingsAreValid else { return nil }
        return AccountConfig(
            name: name, platform: platform, credentialsPath: credentials, settings: settings, mark: node.mark)
    }

    static func looksLikeSecret(_ key: String) -> Bool {
        let normalized = key.lowercased().filter { $0 != "_" && $0 != "-" }
        if secretKeys.contains(normalized) { return true }
        return ["secret", "token", "password", "apikey"].contains { normalized.hasSuffix($0) }
    }
}
