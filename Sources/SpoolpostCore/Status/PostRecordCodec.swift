import Foundation

/// Reads and writes `<name>.status.yaml` and `<name>.retry`.
///
/// The status file has the shape of the original multipost response (post id, overall status, timestamps,
/// per-target results with errors as `{code, message, retryable, retry_after, attempts, max_attempts}`).
public enum PostRecordCodec {
    // MARK: Writing

    /// The status file's text.
    public static func statusText(_ record: PostRecord) -> String {
        var fields: [(String, YAMLValue)] = [
            ("post_id", .string(record.postID)),
            ("manifest", .string(record.manifest)),
            ("status", .string(record.status.rawValue)),
            ("created_at", .string(RFC3339.format(record.createdAt))),
            ("updated_at", .string(RFC3339.format(record.updatedAt))),
        ]
        fields.append(("scheduled_at", record.scheduledAt.map { .string(RFC3339.format($0)) } ?? .null))
        fields.append(("published_at", record.publishedAt.map { .string(RFC3339.format($0)) } ?? .null))
        fields.append(("results", .list(record.targets.map(targetValue))))
        if !record.media.isEmpty { fields.append(("media", .list(record.media.map(mediaValue)))) }
        if !record.errors.isEmpty { fields.append(("errors", .list(record.errors.map { .string($0) }))) }
        if !record.warnings.isEmpty { fields.append(("warnings", .list(record.warnings.map { .string($0) }))) }
        return YAMLWriter.write(.map(fields))
    }

    /// The retry file's text: each waiting target's next attempt number, delay and time. Nil when no
    /// target waits (the file is then removed).
    public static func retryText(_ record: PostRecord) -> String? {
        let waiting = record.targets.filter { $0.status == .retrying }
        guard !waiting.isEmpty else { return nil }
        let items: [YAMLValue] = waiting.map { target in
            .map([
                ("target", .int(target.index)),
                ("platform", .string(target.platform.rawValue)),
                ("account", .string(target.account)),
                ("attempt", .int(target.attempts + 1)),
                ("delay", .double(target.retryDelay ?? 0)),
                ("next_attempt_at", target.nextAttemptAt.map { .string(RFC3339.format($0)) } ?? .null),
                ("last_error", .string(target.error?.code ?? "")),
            ])
        }
        return YAMLWriter.write(.map([("post_id", .string(record.postID)), ("targets", .list(items))]))
    }

    private static func targetValue(_ target: TargetRecord) -> YAMLValue {
        var fields: [(String, YAMLValue)] = [
            ("target", .int(target.index)),
            ("platform", .string(target.platform.rawValue)),
            ("account", .string(target.account)),
            ("status", .string(target.status.rawValue)),
            ("post_id", target.platformPostID.map { .string($0) } ?? .null),
            ("url", target.url.map { .string($0) } ?? .null),
            ("attempts", .int(target.attempts)),
        ]
        if let publishedAt = target.publishedAt { fields.append(("published_at", .string(RFC3339.format(publishedAt)))) }
        if let since = target.sendingSince { fields.append(("sending_since", .string(RFC3339.format(since)))) }
        if !target.publicStepStarted { fields.append(("public_step_started", .bool(false))) }
        if let next = target.nextAttemptAt { fields.append(("next_attempt_at", .string(RFC3339.format(next)))) }
        if let delay = target.retryDelay { fields.append(("retry_delay", .double(delay))) }
        if let error = target.error {
            var errorFields: [(String, YAMLValue)] = [
                ("code", .string(error.code)),
                ("message", .string(error.message)),
                ("retryable", .bool(error.retryable)),
                ("retry_after", error.retryAfter.map { .double($0) } ?? .null),
                ("attempts", .int(error.attempts)),
                ("max_attempts", .int(error.maxAttempts)),
            ]
            if let platformCode = error.platformCode { errorFields.append(("platform_code", .string(platformCode))) }
            fields.append(("error", .map(errorFields)))
        } else {
            fields.append(("error", .null))
        }
        if !target.steps.isEmpty {
            fields.append(("steps", .map(target.steps.sorted(by: { $0.key < $1.key }).map { ($0.key, .string($0.value)) })))
        }
        return .map(fields)
    }

    private static func mediaValue(_ media: MediaRecord) -> YAMLValue {
        var fields: [(String, YAMLValue)] = [("media", .int(media.index)), ("source", .string(media.source))]
        func add(_ key: String, _ value: String?) { if let value { fields.append((key, .string(value))) } }
        add("bucket", media.bucket)
        add("object", media.object)
        add("state", media.state?.rawValue)
        add("file_type", media.fileType)
        if let size = media.size { fields.append(("size", .int(Int(size)))) }
        add("mime", media.mimeType)
        add("md5", media.md5)
        add("upload_session", media.uploadSession)
        if let confirmed = media.confirmedBytes { fields.append(("confirmed_bytes", .int(Int(confirmed)))) }
        add("uploaded_at", media.uploadedAt.map(RFC3339.format))
        add("expires_at", media.expiresAt.map(RFC3339.format))
        add("deleted_at", media.deletedAt.map(RFC3339.format))
        return .map(fields)
    }

    // MARK: Reading

    /// Reads a status file's tree back. Returns nil, with a reason, when it is not a status file we wrote.
    public static func record(from root: YAMLNode?) -> Result<PostRecord, StatusFileError> {
        guard let root, root.mapping != nil else { return .failure(StatusFileError("not a mapping")) }
        guard let postID = root["post_id"]?.scalar, !postID.isEmpty else { return .failure(StatusFileError("no post_id")) }
        guard let statusText = root["status"]?.scalar, let status = PostStatus(rawValue: statusText) else {
            return .failure(StatusFileError("no valid status"))
        }
        let created = date(root["created_at"]) ?? Date(timeIntervalSince1970: 0)
        var record = PostRecord(
            postID: postID, manifest: root["manifest"]?.scalar ?? "", status: status, now: created)
        record.updatedAt = date(root["updated_at"]) ?? created
        record.scheduledAt = date(root["scheduled_at"])
        record.publishedAt = date(root["published_at"])
        record.errors = (root["errors"]?.sequence ?? []).compactMap(\.scalar)
        record.warnings = (root["warnings"]?.sequence ?? []).compactMap(\.scalar)
        for (position, node) in (root["results"]?.sequence ?? []).enumerated() {
            guard let platform = node["platform"]?.scalar.flatMap(Platform.init(name:)),
                let account = node["account"]?.scalar,
                let targetStatus = node["status"]?.scalar.flatMap(TargetStatus.init(rawValue:))
            else { return .failure(StatusFileError("results[\(position)] is incomplete")) }
            var target = TargetRecord(
                index: node["target"]?.scalar.flatMap { Int($0) } ?? position, platform: platform, account: account)
            target.status = targetStatus
            target.attempts = node["attempts"]?.scalar.flatMap { Int($0) } ?? 0
            target.platformPostID = string(node["post_id"])
            target.url = string(node["url"])
            target.publishedAt = date(node["published_at"])
            target.sendingSince = date(node["sending_since"])
            target.publicStepStarted = node["public_step_started"]?.scalar != "false"
            target.nextAttemptAt = date(node["next_attempt_at"])
            target.retryDelay = node["retry_delay"]?.scalar.flatMap { Double($0) }
            if let error = node["error"], error.mapping != nil {
                target.error = TargetError(
                    code: error["code"]?.scalar ?? SpoolpostError.Code.internalError.rawValue,
                    message: error["message"]?.scalar ?? "",
                    retryable: error["retryable"]?.scalar == "true",
                    retryAfter: error["retry_after"]?.scalar.flatMap { Double($0) },
                    platformCode: string(error["platform_code"]),
                    attempts: error["attempts"]?.scalar.flatMap { Int($0) } ?? target.attempts,
                    maxAttempts: error["max_attempts"]?.scalar.flatMap { Int($0) } ?? 0
                )
            }
            for pair in node["steps"]?.mapping ?? [] {
                if let key = pair.key.scalar, let value = pair.value.scalar { target.steps[key] = value }
            }
            record.targets.append(target)
        }
        for (position, node) in (root["media"]?.sequence ?? []).enumerated() {
            guard let source = node["source"]?.scalar else {
                return .failure(StatusFileError("media[\(position)] has no source"))
            }
            var media = MediaRecord(index: node["media"]?.scalar.flatMap { Int($0) } ?? position, source: source)
            media.bucket = string(node["bucket"])
            media.object = string(node["object"])
            media.state = string(node["state"]).flatMap(MediaUploadState.init(rawValue:))
            media.size = string(node["size"]).flatMap { Int64($0) }
            media.mimeType = string(node["mime"])
            media.fileType = string(node["file_type"])
            media.expiresAt = date(node["expires_at"])
            media.md5 = string(node["md5"])
            media.uploadSession = string(node["upload_session"])
            media.confirmedBytes = string(node["confirmed_bytes"]).flatMap { Int64($0) }
            media.uploadedAt = date(node["uploaded_at"])
            media.deletedAt = date(node["deleted_at"])
            record.media.append(media)
        }
        return .success(record)
    }

    private static func string(_ node: YAMLNode?) -> String? {
        guard let node, !node.isNull else { return nil }
        return node.scalar
    }

    private static func date(_ node: YAMLNode?) -> Date? {
        string(node).flatMap(RFC3339.parse)
    }
}

/// Why a status file could not be read back.
public struct StatusFileError: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
