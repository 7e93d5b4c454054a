import Foundation

/// Reads a post manifest (the spoolpost format, or the original multipost request body) into a ``Manifest``,
/// reporting every problem with its position and field path.
public struct ManifestReader {
    /// What the reader needs from outside the document: the configuration's accounts, the clock, and the
    /// file-system checks done by the caller.
    public struct Context: Sendable {
        /// Display name such as `launch.yaml`; the default id is this without `.yaml`/`.yml`/`.json`.
        public var fileName: String
        /// Account name -> platform, from the configuration.
        public var accounts: [String: Platform]
        public var now: Date
        public var schedule: SchedulePolicy
        /// IANA name from the configuration, for `schedule_at` values without an offset.
        public var defaultTimeZone: String?
        /// The caller's I/O check of a media file path (exists, regular, no symlink out of spool/media);
        /// nil when fine, else what is wrong.
        public var mediaFileProblem: @Sendable (String) -> String?
        /// The state folder (`scheduled`, `publishing`, `done`) that already holds this id, or nil.
        public var existingState: @Sendable (String) -> String?
        /// The MIME type of a media item as far as it is known without fetching it (a `file:` item's bytes).
        public var mediaType: @Sendable (MediaReference) -> String? = { _ in nil }
        /// The size in bytes of a file in spool/media/ (a path checked by ``mediaFileProblem``); nil when unknown.
        public var mediaFileSize: @Sendable (String) -> Int64? = { _ in nil }
        /// The rules of the target's network (text limits, media counts and kinds), from its adapter.
        public var targetProblems: @Sendable (TargetCheck) -> [TargetProblem] = { _ in [] }

        public init(
            fileName: String,
            accounts: [String: Platform],
            now: Date,
            schedule: SchedulePolicy = SchedulePolicy(),
            defaultTimeZone: String? = nil,
            mediaFileProblem: @escaping @Sendable (String) -> String? = { _ in nil },
            existingState: @escaping @Sendable (String) -> String? = { _ in nil }
        ) {
            self.fileName = fileName
            self.accounts = accounts
            self.now = now
            self.schedule = schedule
            self.defaultTimeZone = defaultTimeZone
            self.mediaFileProblem = mediaFileProblem
            self.existingState = existingState
        }
    }

    static let rootSchema = SchemaReader.Schema(
        accepted: ["id", "text", "media", "schedule_at", "timezone", "targets"],
        aliases: ["content": "text", "platforms": "targets", "scheduleAt": "schedule_at"])
    static let mediaSchema = SchemaReader.Schema(
        accepted: ["file", "gcs", "url", "alt", "type"], aliases: ["gcsPath": "gcs"])
    /// Platform fields passed through to the adapters in ``PostTarget/options``.
    static let optionFields = [
        "title", "description", "tags", "category", "privacy", "publish_at", "made_for_kids", "thumbnail", "thread",
        "reply_to", "link", "page_id",
    ]
    static let targetSchema = SchemaReader.Schema(
        accepted: ["platform", "account", "text", "type"] + optionFields,
        aliases: ["content": "text", "mediaType": "type", "media_type": "type", "pageId": "page_id"])
    static let mediaKinds = ["IMAGE", "VIDEO", "REEL"]
    /// Options whose value names a file in spool/media/, checked like a `file:` media item.
    static let fileOptions = ["thumbnail"]

    /// Validates `root` (nil for an empty document). The manifest is nil when any error was found.
    public static func read(_ root: YAMLNode?, context: Context) -> ManifestReadResult {
        var state = ReadState(context: context)
        let manifest = state.read(root)
        let diagnostics = state.reader.diagnostics.inDocumentOrder()
        return ManifestReadResult(manifest: state.reader.hasErrors ? nil : manifest, diagnostics: diagnostics)
    }

    /// The default id for a file name: its last path component without `.yaml`, `.yml` or `.json`.
    public static func defaultID(forFileName fileName: String) -> String {
        let base = fileName.split(separator: "/").last.map(String.init) ?? fileName
        for suffix in [".yaml", ".yml", ".json"] where base.lowercased().hasSuffix(suffix) {
            return String(base.dropLast(suffix.count))
        }
        return base
    }

    /// 1-200 characters of `[A-Za-z0-9._-]`, not starting with `.`.
    public static func isValidID(_ id: String) -> Bool {
        (1...200).contains(id.count) && !id.hasPrefix(".") && SchemaReader.isPortableName(id)
    }
}

/// One read in progress: the diagnostics so far and the context.
private struct ReadState {
    let context: ManifestReader.Context
    var reader: SchemaReader
    /// The zone for local times, decided from `timezone:` before anything that needs it is read.
    var zone: ZoneChoice = .zone(nil)

    init(context: ManifestReader.Context) {
        self.context = context
        reader = SchemaReader(file: context.fileName)
    }

    mutating func read(_ root: YAMLNode?) -> Manifest? {
        guard let root, !root.isNull else {
            reader.error(
                root?.mark, "",
                "the manifest is empty: write at least `targets:` and `text:` or `media:`")
            return nil
        }
        let what = "a mapping of post fields (id, text, media, schedule_at, timezone, targets)"
        guard let fields = reader.fields(of: root, path: "", what: what, schema: ManifestReader.rootSchema) else {
            return nil
        }
        let id = readID(fields)
        let text = fields["text"].flatMap { readText($0, path: fields.spelling("text")) }
        let mediaNode = fields["media"]
        var media: [MediaReference] = []
        if let mediaNode { media = readMedia(mediaNode) }
        zone = timeZone(fields)
        let scheduleAt = readSchedule(fields)
        // A text or media field that is present but malformed was reported already; "nothing to publish" would
        // only repeat it.
        let hasContent = mediaNode.map(hasMediaItems) ?? false || (fields["text"] != nil && text == nil)
        let targets = readTargets(fields, root: root, text: text, hasContent: hasContent)
        guard let id, let targets else { return nil }
        let manifest = Manifest(id: id, text: text, media: media, scheduleAt: scheduleAt, targets: targets)
        if !reader.hasErrors { checkNetworkRules(manifest, fields: fields) }
        return manifest
    }

    /// Each target against its network's rules, so a post that would fail on one network is refused whole
    /// instead of going out PARTIAL.
    mutating func checkNetworkRules(_ manifest: Manifest, fields: SchemaReader.Fields) {
        let mediaTypes = manifest.media.map { reference -> String? in
            context.mediaType(reference) ?? MediaTypeGuess.mimeType(for: reference)
        }
        let targetNodes = fields["targets"]?.sequence ?? []
        let targetsPath = fields.spelling("targets")
        for target in manifest.targets {
            var files: [String: OptionFile] = [:]
            for name in ManifestReader.fileOptions {
                guard let path = target.option(name) else { continue }
                files[name] = OptionFile(
                    path: path, mimeType: context.mediaType(MediaReference(source: .file(path: path))),
                    size: context.mediaFileSize(path))
            }
            let problems = context.targetProblems(
                TargetCheck(manifest: manifest, target: target, mediaTypes: mediaTypes, files: files))
            guard !problems.isEmpty else { continue }
            let node = target.index < targetNodes.count ? targetNodes[target.index] : nil
            let targetPath = SchemaReader.path(targetsPath, target.index)
            for problem in problems {
                var mark = node?.mark
                var path = targetPath
                if let field = problem.field {
                    if let own = node?[field] {
                        mark = own.mark
                        path = SchemaReader.path(targetPath, field)
                    } else if field == "text" || field == "media", let shared = fields[field] {
                        mark = shared.mark
                        path = fields.spelling(field)
                    } else {
                        path = SchemaReader.path(targetPath, field)
                    }
                }
                reader.error(mark, path, "\(target.platform.rawValue) account '\(target.account)': \(problem.message)")
            }
        }
    }

    // MARK: id

    mutating func readID(_ fields: SchemaReader.Fields) -> String? {
        let id: String
        let mark: SourceMark?
        if let node = fields["id"] {
            guard let given = reader.string(node, path: "id", what: "an id (letters, digits, '.', '_', '-')") else {
                return nil
            }
            guard ManifestReader.isValidID(given) else {
                reader.error(
                    node.mark, "id",
                    "invalid id '\(given)': use 1-200 characters of letters, digits, '.', '_' and '-', "
                        + "not starting with '.'")
                return nil
            }
            id = given
            mark = node.mark
        } else {
            id = ManifestReader.defaultID(forFileName: context.fileName)
            guard ManifestReader.isValidID(id) else {
                reader.error(
                    nil, "id",
                    "no `id:` given, and the file name does not make a valid id ('\(id)'): add `id:` with 1-200 "
                        + "characters of letters, digits, '.', '_' and '-', or rename the file")
                return nil
            }
            mark = nil
        }
        if let state = context.existingState(id) {
            reader.error(
                mark, "id",
                "a post with id '\(id)' is already in \(state)/; ids are never published twice: "
                    + "give this post a new id")
            return nil
        }
        return id
    }

    // MARK: text

    /// A post text; null reads as empty so that the empty-text rule reports it.
    mutating func readText(_ node: YAMLNode, path: String) -> String? {
        if node.isNull { return "" }
        return reader.string(node, path: path, what: "text")
    }

    // MARK: media

    func hasMediaItems(_ node: YAMLNode) -> Bool {
        if node.mapping != nil { return true }
        return !(node.sequence ?? []).isEmpty
    }

    mutating func readMedia(_ node: YAMLNode) -> [MediaReference] {
        if node.isNull { return [] }
        if node.mapping != nil {
            return readMediaItem(node, path: "media").map { [$0] } ?? []
        }
        let what = "a media item (a mapping with file, gcs or url) or a list of them"
        guard let items = reader.list(node, path: "media", what: what) else { return [] }
        return items.enumerated().compactMap { index, item in
            readMediaItem(item, path: SchemaReader.path("media", index))
        }
    }

    mutating func readMediaItem(_ node: YAMLNode, path: String) -> MediaReference? {
        let what = "a media item: a mapping with one of file, gcs or url (and optional alt)"
        guard let fields = reader.fields(of: node, path: path, what: what, schema: ManifestReader.mediaSchema) else {
            return nil
        }
        let given = ["file", "gcs", "url"].filter { fields[$0] != nil }
        guard given.count == 1, let sourceName = given.first, let sourceNode = fields[sourceName] else {
            let found = given.isEmpty ? "none" : given.map { fields.spelling($0) }.joined(separator: " and ")
            reader.error(node.mark, path, "a media item needs exactly one of file, gcs or url; found \(found)")
            return nil
        }
        let sourcePath = SchemaReader.path(path, fields.spelling(sourceName))
        var isValid = true
        var alt: String?
        if let altNode = fields["alt"], !altNode.isNull {
            alt = reader.string(altNode, path: SchemaReader.path(path, "alt"), what: "alt text")
            isValid = isValid && alt != nil
        }
        var kindHint: String?
        if let typeNode = fields["type"] {
            let typePath = SchemaReader.path(path, "type")
            let accepted = ManifestReader.mediaKinds.joined(separator: ", ")
            if let type = reader.string(typeNode, path: typePath, what: "a media type (\(accepted))") {
                if ManifestReader.mediaKinds.contains(type.uppercased()) {
                    kindHint = type.uppercased()
                } else {
                    reader.error(typeNode.mark, typePath, "unknown media type '\(type)'; expected one of \(accepted)")
                    isValid = false
                }
            } else {
                isValid = false
            }
        }
        guard let sourceText = reader.string(sourceNode, path: sourcePath, what: sourceExpectation(sourceName)) else {
            return nil
        }
        let parsed: Result<MediaReference.Source, MediaSourceProblem>
        switch sourceName {
        case "file": parsed = MediaSourceParser.file(sourceText)
        case "gcs": parsed = MediaSourceParser.gcs(sourceText)
        default: parsed = MediaSourceParser.url(sourceText)
        }
        switch parsed {
        case .failure(let problem):
            reader.error(sourceNode.mark, sourcePath, problem.message)
            return nil
        case .success(let source):
            if case .file(let filePath) = source, let problem = context.mediaFileProblem(filePath) {
                reader.error(sourceNode.mark, sourcePath, "media file '\(filePath)': \(problem)")
                return nil
            }
            guard isValid else { return nil }
            return MediaReference(source: source, alt: alt, kindHint: kindHint, mark: node.mark)
        }
    }

    func sourceExpectation(_ name: String) -> String {
        switch name {
        case "file": return "a file path relative to spool/media/"
        case "gcs": return "a gs://BUCKET/OBJECT path"
        default: return "an http:// or https:// URL"
        }
    }

    // MARK: schedule

    /// The manifest's own valid time zone, else the configuration's; `.invalid` when the manifest names a bad one.
    enum ZoneChoice { case zone(String?), invalid }

    mutating func timeZone(_ fields: SchemaReader.Fields) -> ZoneChoice {
        guard let node = fields["timezone"], !node.isNull else { return .zone(context.defaultTimeZone) }
        guard let name = reader.string(node, path: "timezone", what: "an IANA time zone name such as Europe/Paris")
        else { return .invalid }
        guard TimeZone(identifier: name) != nil else {
            reader.error(node.mark, "timezone", ScheduleTimeError.unknownTimeZone(name: name).message)
            return .invalid
        }
        return .zone(name)
    }

    mutating func readSchedule(_ fields: SchemaReader.Fields) -> Date? {
        guard let node = fields["schedule_at"], !node.isNull else { return nil }
        let path = fields.spelling("schedule_at")
        let what = "a date-time such as 2026-12-01T09:00:00+01:00"
        guard let text = reader.string(node, path: path, what: what) else { return nil }
        let date: Date
        switch resolve(text, zone) {
        case nil:
            return nil
        case .failure(let error)?:
            reader.error(node.mark, path, error.message)
            return nil
        case .success(let resolved)?:
            date = resolved
        }
        let policy = context.schedule
        let ahead = date.timeIntervalSince(context.now)
        if ahead > policy.maxAhead {
            reader.error(
                node.mark, path,
                "\(RFC3339.format(date)) is \(HumanDuration.describe(ahead)) ahead, beyond the limit of "
                    + "\(HumanDuration.describe(policy.maxAhead)) (schedule.max_ahead in spoolpost.yaml): "
                    + "check the date, or raise max_ahead")
        } else if -ahead > policy.lateGrace {
            let due = "was due at \(RFC3339.format(date)) (\(HumanDuration.describe(-ahead)) ago)"
            if policy.rejectLate {
                reader.error(
                    node.mark, path,
                    "\(due), later than the grace of \(HumanDuration.describe(policy.lateGrace)), and "
                        + "schedule.reject_late is set: give a future time or remove schedule_at to publish now")
            } else {
                reader.warning(node.mark, path, "\(due), publishing now")
            }
        }
        return date
    }

    /// The resolution of a time in the chosen zone; nil when the failure was already reported (a bad `timezone:`).
    func resolve(_ text: String, _ zone: ZoneChoice) -> Result<Date, ScheduleTimeError>? {
        switch zone {
        case .zone(let name):
            return ScheduleTime.resolve(text, timeZone: name)
        case .invalid:
            let result = ScheduleTime.resolve(text, timeZone: nil)
            if case .failure(.missingTimeZone) = result { return nil }
            return result
        }
    }

    // MARK: targets

    mutating func readTargets(
        _ fields: SchemaReader.Fields, root: YAMLNode, text: String?, hasContent: Bool
    ) -> [PostTarget]? {
        let noTargets = "no targets: add `targets:` with at least one item, e.g. `- platform: webhook` "
            + "and `account: NAME`"
        guard let node = fields["targets"], !node.isNull else {
            reader.error(root.mark, "targets", noTargets)
            return nil
        }
        let path = fields.spelling("targets")
        guard let items = reader.list(node, path: path, what: "a list of targets") else { return nil }
        guard !items.isEmpty else {
            reader.error(node.mark, path, noTargets)
            return nil
        }
        var targets: [PostTarget] = []
        var allValid = true
        for (index, item) in items.enumerated() {
            let itemPath = SchemaReader.path(path, index)
            if let target = readTarget(item, index: index, path: itemPath) {
                let effective = target.text ?? text
                if (effective ?? "").trimmingASCIIWhitespace().isEmpty, !hasContent {
                    reader.error(
                        item.mark, itemPath,
                        "nothing to publish: no text (neither this target's text nor the post's text) and no media; "
                            + "add `text:` or `media:`")
                    allValid = false
                }
                targets.append(target)
            } else {
                allValid = false
            }
        }
        return allValid ? targets : nil
    }

    mutating func readTarget(_ node: YAMLNode, index: Int, path: String) -> PostTarget? {
        if node.scalar != nil, !node.isNull {
            guard let platform = readPlatform(node, path: path) else { return nil }
            guard let account = resolveAccount(nil, platform: platform, mark: node.mark, path: path) else {
                return nil
            }
            return PostTarget(index: index, platform: platform, account: account)
        }
        let what = "a target: a mapping with platform: and account:, or a platform name"
        guard let fields = reader.fields(of: node, path: path, what: what, schema: ManifestReader.targetSchema) else {
            return nil
        }
        var isValid = true
        var platform: Platform?
        if let platformNode = fields["platform"] {
            platform = readPlatform(platformNode, path: SchemaReader.path(path, "platform"))
            isValid = isValid && platform != nil
        } else {
            reader.error(
                node.mark, path, "the target has no platform: add `platform:` (one of \(Platform.acceptedList))")
            isValid = false
        }
        var account: String?
        if let platform {
            account = resolveAccount(fields["account"], platform: platform, mark: node.mark, path: path)
            isValid = isValid && account != nil
        }
        var text: String?
        if let textNode = fields["text"] {
            text = readText(textNode, path: SchemaReader.path(path, fields.spelling("text")))
            isValid = isValid && text != nil
        }
        var type: String?
        if let typeNode = fields["type"], !typeNode.isNull {
            type = reader.string(typeNode, path: SchemaReader.path(path, fields.spelling("type")), what: "a post type")?
                .lowercased()
            isValid = isValid && type != nil
        }
        var options: [String: YAMLNode] = [:]
        for name in ManifestReader.optionFields {
            guard let value = fields[name] else { continue }
            if let checked = readOption(name, value, path: SchemaReader.path(path, fields.spelling(name))) {
                options[name] = checked
            } else {
                isValid = false
            }
        }
        guard isValid, let platform, let account else { return nil }
        return PostTarget(index: index, platform: platform, account: account, text: text, type: type, options: options)
    }

    mutating func readPlatform(_ node: YAMLNode, path: String) -> Platform? {
        guard let name = reader.string(node, path: path, what: "a platform name (\(Platform.acceptedList))") else {
            return nil
        }
        guard let platform = Platform(name: name) else {
            reader.error(node.mark, path, Platform.unknownNameMessage(name))
            return nil
        }
        return platform
    }

    /// The configured account for a target: the one named, or the only one of that platform.
    mutating func resolveAccount(_ node: YAMLNode?, platform: Platform, mark: SourceMark, path: String) -> String? {
        let accountPath = SchemaReader.path(path, "account")
        let candidates = context.accounts.filter { $0.value == platform }.keys.sorted()
        let listed = candidates.joined(separator: ", ")
        let addOne = "add one under `accounts:` in spoolpost.yaml"
        guard let node, !node.isNull else {
            switch candidates.count {
            case 1:
                return candidates[0]
            case 0:
                reader.error(
                    mark, accountPath,
                    "no account given and the configuration has no \(platform.rawValue) account: \(addOne)")
            default:
                reader.error(
                    mark, accountPath,
                    "no account given and the configuration has several \(platform.rawValue) accounts (\(listed)): "
                        + "say which with `account:`")
            }
            return nil
        }
        guard let name = reader.string(node, path: accountPath, what: "an account name from spoolpost.yaml") else {
            return nil
        }
        guard let configured = context.accounts[name] else {
            var message = "unknown account '\(name)'"
            if let suggestion = SchemaReader.suggestion(for: name, among: candidates) {
                message += " (did you mean '\(suggestion)'?)"
            }
            message += candidates.isEmpty
                ? "; the configuration has no \(platform.rawValue) account: \(addOne)"
                : "; \(platform.rawValue) accounts in the configuration: \(listed)"
            reader.error(node.mark, accountPath, message)
            return nil
        }
        guard configured == platform else {
            let others = candidates.isEmpty
                ? "the configuration has no \(platform.rawValue) account"
                : "\(platform.rawValue) accounts in the configuration: \(listed)"
            reader.error(
                node.mark, accountPath,
                "account '\(name)' is a \(configured.rawValue) account, but this target's platform is "
                    + "\(platform.rawValue); \(others)")
            return nil
        }
        return name
    }

    /// Checks the shape of a platform field; `publish_at` is resolved to an RFC 3339 UTC instant.
    mutating func readOption(_ name: String, _ node: YAMLNode, path: String) -> YAMLNode? {
        switch name {
        case "made_for_kids":
            return reader.bool(node, path: path) == nil ? nil : node
        case "tags":
            if node.scalar != nil, !node.isNull { return node }
            guard let items = reader.list(node, path: path, what: "a list of tags") else { return nil }
            var isValid = true
            for (index, item) in items.enumerated()
            where reader.string(item, path: SchemaReader.path(path, index), what: "a tag") == nil {
                isValid = false
            }
            return isValid ? node : nil
        case "thread":
            let what = "a list of texts (the posts that follow the first)"
            guard let items = reader.list(node, path: path, what: what) else { return nil }
            var isValid = true
            for (index, item) in items.enumerated()
            where reader.string(item, path: SchemaReader.path(path, index), what: "text") == nil {
                isValid = false
            }
            return isValid ? node : nil
        case _ where ManifestReader.fileOptions.contains(name):
            guard let file = reader.string(node, path: path, what: sourceExpectation("file")) else { return nil }
            if case .failure(let problem) = MediaSourceParser.file(file) {
                reader.error(node.mark, path, problem.message)
                return nil
            }
            if let problem = context.mediaFileProblem(file) {
                reader.error(node.mark, path, "\(name) file '\(file)': \(problem)")
                return nil
            }
            return node
        case "publish_at":
            guard let text = reader.string(node, path: path, what: "a date-time such as 2026-12-01T09:00:00+01:00")
            else { return nil }
            switch resolve(text, zone) {
            case nil:
                return nil
            case .failure(let error)?:
                reader.error(node.mark, path, error.message)
                return nil
            case .success(let date)?:
                return YAMLNode(.scalar(RFC3339.format(date)), mark: node.mark, isQuoted: true)
            }
        default:
            return reader.string(node, path: path, what: "text") == nil ? nil : node
        }
    }
}
