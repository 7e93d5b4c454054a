/// The `storage:` and `media:` sections of spoolpost.yaml.
extension ConfigurationReader {
    static let storageSchema = SchemaReader.Schema(accepted: [
        "bucket", "service_account_key", "hmac_key", "endpoint", "url_style", "bucket_host", "read_url_expiry",
        "upload_url_expiry", "delete_url_expiry", "resumable_threshold", "chunk_size", "retention", "cleanup_at",
        "upload_url_rate", "embedded_port", "embedded_upload_rate",
    ])
    static let mediaSchema = SchemaReader.Schema(accepted: ["max_image_size", "max_video_size"])

    /// Settings that only mean something for a configured bucket.
    private static let bucketOnlyFields = ["service_account_key", "hmac_key", "endpoint", "url_style", "bucket_host"]

    static func readStorage(_ node: YAMLNode, into storage: inout StorageConfiguration, _ reader: inout SchemaReader) {
        if node.isNull { return }
        let what = "a mapping of storage settings (bucket, service_account_key or hmac_key, url_style, ...)"
        guard let fields = reader.fields(of: node, path: "storage", what: what, schema: storageSchema) else { return }

        if let value = fields["bucket"], !value.isNull,
            let bucket = reader.string(value, path: "storage.bucket", what: "a bucket name")
        {
            if let problem = bucketNameProblem(bucket) {
                reader.error(value.mark, "storage.bucket", problem)
            } else {
                storage.bucket = bucket
            }
        }
        let bucketGiven = fields["bucket"].map { !$0.isNull } ?? false
        if !bucketGiven {
            for name in bucketOnlyFields {
                guard let value = fields[name] else { continue }
                reader.error(
                    value.mark, "storage.\(name)",
                    "\(name) applies to a configured bucket; without `bucket:` the embedded store is used "
                        + "with its own key (add `bucket:` or remove \(name))")
            }
        }
        readStorageCredentials(fields, node: node, bucketGiven: bucketGiven, into: &storage, &reader)
        readStorageAddressing(fields, bucketGiven: bucketGiven, into: &storage, &reader)

        for (name, keyPath) in [
            ("read_url_expiry", \StorageConfiguration.readURLExpiry),
            ("upload_url_expiry", \StorageConfiguration.uploadURLExpiry),
            ("delete_url_expiry", \StorageConfiguration.deleteURLExpiry),
        ] {
            if let value = fields[name], let seconds = urlExpiry(value, "storage.\(name)", &reader) {
                storage[keyPath: keyPath] = seconds
            }
        }
        if let value = fields["resumable_threshold"],
            let bytes = positiveSize(value, "storage.resumable_threshold", &reader)
        {
            storage.resumableThreshold = bytes
        }
        if let value = fields["chunk_size"], let bytes = positiveSize(value, "storage.chunk_size", &reader) {
            if bytes % StorageConfiguration.chunkQuantum != 0 {
                reader.error(
                    value.mark, "storage.chunk_size",
                    "\(ByteSize.describe(bytes)) is not a multiple of 256 KiB, as Cloud Storage requires for "
                        + "resumable chunks (for example 256KiB, 8MiB or 16MiB)")
            } else {
                storage.chunkSize = bytes
            }
        }
        if let value = fields["retention"], let seconds = positiveDuration(value, "storage.retention", &reader) {
            storage.retention = seconds
        }
        if let value = fields["cleanup_at"],
            let text = reader.string(value, path: "storage.cleanup_at", what: "a local time such as 02:00")
        {
            if let time = TimeOfDay.parse(text) {
                storage.cleanupAt = time
            } else {
                reader.error(
                    value.mark, "storage.cleanup_at",
                    "'\(text)' is not a time of day; write HH:MM on a 24-hour clock, such as 02:00 or 23:30")
            }
        }
        if let value = fields["upload_url_rate"] {
            readUploadURLRate(value, into: &storage, &reader)
        }
        if let value = fields["embedded_upload_rate"],
            let bytes = positiveSize(value, "storage.embedded_upload_rate", &reader)
        {
            storage.embeddedUploadRate = bytes
        }
        if let value = fields["embedded_port"],
            let port = reader.int(value, path: "storage.embedded_port", range: 1...65535)
        {
            storage.embeddedPort = port
        }
    }

    private static func readStorageCredentials(
        _ fields: SchemaReader.Fields, node: YAMLNode, bucketGiven: Bool, into storage: inout StorageConfiguration,
        _ reader: inout SchemaReader
    ) {
        var serviceAccount: String?
        var hmac: String?
        if let value = fields["service_account_key"] {
            serviceAccount = reader.string(
                value, path: "storage.service_account_key", what: "the path of a service-account JSON key file")
        }
        if let value = fields["hmac_key"] {
            hmac = reader.string(
                value, path: "storage.hmac_key", what: "the path of a JSON file with access_id and secret")
        }
        guard bucketGiven else { return }
        switch (serviceAccount, hmac) {
        case (let path?, nil):
            storage.credentials = .serviceAccountKey(path: path)
        case (nil, let path?):
            storage.credentials = .hmacKey(path: path)
        case (.some, .some):
            reader.error(
                fields["hmac_key"]?.mark, "storage.hmac_key",
                "give one key, service_account_key or hmac_key, not both")
        case (nil, nil):
            // A key given with the wrong type was reported already.
            guard fields["service_account_key"] == nil, fields["hmac_key"] == nil else { return }
            reader.error(
                fields["bucket"]?.mark ?? node.mark, "storage.bucket",
                "a bucket needs a key to sign URLs: add service_account_key: (a service-account JSON key file) "
                    + "or hmac_key: (a JSON file with access_id and secret), each with mode 0600")
        }
    }

    private static func readStorageAddressing(
        _ fields: SchemaReader.Fields, bucketGiven: Bool, into storage: inout StorageConfiguration,
        _ reader: inout SchemaReader
    ) {
        if let value = fields["endpoint"],
            let endpoint = reader.string(value, path: "storage.endpoint", what: "host[:port] or http(s)://host[:port]")
        {
            do {
                _ = try GCSEndpoint(
                    bucket: "bucket", style: .pathStyle, scheme: "https", endpoint: endpoint,
                    universeDomain: "googleapis.com")
                storage.endpoint = endpoint
            } catch {
                reader.error(value.mark, "storage.endpoint", error.message)
            }
        }
        var styleGiven = false
        if let value = fields["url_style"] {
            let accepted = StorageConfiguration.URLStyle.allCases.map(\.rawValue).joined(separator: ", ")
            if let text = reader.string(value, path: "storage.url_style", what: "one of \(accepted)") {
                if let style = StorageConfiguration.URLStyle(rawValue: text.lowercased()) {
                    storage.urlStyle = style
                    styleGiven = true
                } else {
                    let suggestion = SchemaReader.suggestion(
                        for: text, among: StorageConfiguration.URLStyle.allCases.map(\.rawValue))
                    let hint = suggestion.map { "did you mean '\($0)'?" } ?? "expected one of \(accepted)"
                    reader.error(value.mark, "storage.url_style", "unknown URL style '\(text)'; \(hint)")
                }
            }
        }
        if let value = fields["bucket_host"],
            let host = reader.string(value, path: "storage.bucket_host", what: "a host name such as media.example.com")
        {
            do {
                _ = try GCSEndpoint(
                    bucket: "bucket", style: .bucketBoundHostname(host), scheme: "https", endpoint: nil,
                    universeDomain: "googleapis.com")
                storage.bucketHost = host
            } catch {
                reader.error(value.mark, "storage.bucket_host", error.message)
            }
            if styleGiven, storage.urlStyle != .bucketBound {
                reader.error(
                    value.mark, "storage.bucket_host",
                    "bucket_host is used only with url_style: bucket-bound (url_style is \(storage.urlStyle.rawValue))")
            } else if !styleGiven {
                storage.urlStyle = .bucketBound
            }
        }
        if bucketGiven, storage.urlStyle == .bucketBound, fields["bucket_host"] == nil {
            reader.error(
                fields["url_style"]?.mark, "storage.url_style",
                "url_style: bucket-bound needs bucket_host: (the host name that serves the bucket)")
        }
    }

    private static func readUploadURLRate(
        _ node: YAMLNode, into storage: inout StorageConfiguration, _ reader: inout SchemaReader
    ) {
        let expected = "a rate such as 60/hour, 10/minute or 500/day, or off"
        guard let text = reader.string(node, path: "storage.upload_url_rate", what: expected) else { return }
        if !node.isQuoted, ["off", "none", "false", "no", "unlimited"].contains(text.lowercased()) {
            storage.uploadURLRate = nil
        } else if let rate = UploadURLRateLimit.parse(text) {
            storage.uploadURLRate = rate
        } else {
            reader.error(node.mark, "storage.upload_url_rate", "'\(text)' is not a rate; expected \(expected)")
        }
    }

    /// Whole seconds from 1 s to 7 days, as V4 signatures allow.
    private static func urlExpiry(_ node: YAMLNode, _ path: String, _ reader: inout SchemaReader) -> Int? {
        guard let seconds = reader.duration(node, path: path) else { return nil }
        let maximum = StorageConfiguration.maximumURLExpiry
        guard seconds >= 1, seconds == seconds.rounded() else {
            reader.error(node.mark, path, "must be a whole number of seconds, at least 1s")
            return nil
        }
        guard seconds <= Double(maximum) else {
            reader.error(
                node.mark, path,
                "\(HumanDuration.describe(seconds)) is too long: signed URLs last at most 7 days (\(maximum)s)")
            return nil
        }
        return Int(seconds)
    }

    private static func positiveSize(_ node: YAMLNode, _ path: String, _ reader: inout SchemaReader) -> Int64? {
        let expected = "a size such as 8MiB, 512KiB, 1GiB or a number of bytes"
        guard let text = node.scalar, !node.isNull, let bytes = ByteSize.parse(text) else {
            reader.mismatch(node, path, expected: expected)
            return nil
        }
        guard bytes > 0 else {
            reader.error(node.mark, path, "must be larger than zero")
            return nil
        }
        return bytes
    }

    /// Cloud Storage's naming rules, checked so a typo fails at startup rather than at the first upload.
    static func bucketNameProblem(_ name: String) -> String? {
        let allowed = name.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-" || scalar == "_"
                || scalar == "."
        }
        guard allowed else {
            return "invalid bucket name '\(name)': use lowercase letters, digits, '-', '_' and '.'"
        }
        guard (3...222).contains(name.count),
            name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ (1...63).contains($0.count) })
        else {
            return "invalid bucket name '\(name)': 3 to 63 characters (222 with dots, 63 between dots)"
        }
        let edges = [name.unicodeScalars.first, name.unicodeScalars.last].compactMap { $0 }
        guard edges.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) }) else {
            return "invalid bucket name '\(name)': it must start and end with a letter or digit"
        }
        return nil
    }

    static func readMedia(_ node: YAMLNode, into limits: inout MediaLimits, _ reader: inout SchemaReader) {
        if node.isNull { return }
        let what = "a mapping with max_image_size and max_video_size"
        guard let fields = reader.fields(of: node, path: "media", what: what, schema: mediaSchema) else { return }
        if let value = fields["max_image_size"], let bytes = positiveSize(value, "media.max_image_size", &reader) {
            limits.maxImageBytes = bytes
        }
        if let value = fields["max_video_size"], let bytes = positiveSize(value, "media.max_video_size", &reader) {
            limits.maxVideoBytes = bytes
        }
    }
}
