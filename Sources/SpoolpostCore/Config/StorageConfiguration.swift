/// The local time of day a daily job runs at, `HH:MM` on a 24-hour clock.
public struct TimeOfDay: Sendable, Hashable, CustomStringConvertible {
    public var hour: Int
    public var minute: Int

    public init(hour: Int, minute: Int) {
        self.hour = hour
        self.minute = minute
    }

    /// Parses `02:00`, `2:00`, `23:59`; nil for anything else.
    public static func parse(_ text: String) -> TimeOfDay? {
        let parts = text.trimmingASCIIWhitespace().split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let hour = Int(parts[0]), let minute = Int(parts[1]), (0...23).contains(hour), (0...59).contains(minute)
        else { return nil }
        return TimeOfDay(hour: hour, minute: minute)
    }

    public var description: String { "\(pad(hour, 2)):\(pad(minute, 2))" }
}

/// Where media is stored and how URLs for it are signed: the `storage:` section of spoolpost.yaml.
///
/// Without a bucket the daemon runs the embedded store: bucket `spoolpost-local` on `127.0.0.1:<embeddedPort>`,
/// signed with a key kept in `<spool>/store/key.json`.
public struct StorageConfiguration: Sendable, Hashable {
    /// The key that signs URLs for a configured bucket.
    public enum Credentials: Sendable, Hashable {
        /// `service_account_key:`: a service-account JSON key file (GOOG4-RSA-SHA256).
        case serviceAccountKey(path: String)
        /// `hmac_key:`: a JSON file with `access_id` and `secret` (GOOG4-HMAC-SHA256).
        case hmacKey(path: String)

        public var path: String {
            switch self {
            case .serviceAccountKey(let path), .hmacKey(let path): path
            }
        }
    }

    /// `url_style:`.
    public enum URLStyle: String, Sendable, Hashable, CaseIterable {
        case path = "path"
        case virtualHosted = "virtual-hosted"
        case bucketBound = "bucket-bound"
    }

    public static let embeddedBucket = "spoolpost-local"
    public static let defaultEmbeddedPort = 8089
    public static let maximumURLExpiry = GCSSigningRequest.maximumExpiration
    /// Resumable uploads send chunks in multiples of 256 KiB, as Cloud Storage requires.
    public static let chunkQuantum: Int64 = 256 << 10

    /// `bucket:`; nil means the embedded store.
    public var bucket: String?
    public var credentials: Credentials?
    /// `endpoint:`: another endpoint than storage.googleapis.com, `host[:port]` or `http(s)://host[:port]`.
    public var endpoint: String?
    public var urlStyle: URLStyle
    /// `bucket_host:`: the host name serving the bucket, for `url_style: bucket-bound`.
    public var bucketHost: String?
    /// Seconds a GET URL handed to a network stays valid (1 s ... 7 d).
    public var readURLExpiry: Int
    /// Seconds an upload URL stays valid.
    public var uploadURLExpiry: Int
    /// Seconds a cleanup DELETE URL stays valid.
    public var deleteURLExpiry: Int
    /// Files larger than this many bytes are uploaded with a resumable upload.
    public var resumableThreshold: Int64
    /// Bytes per resumable chunk, a multiple of 256 KiB.
    public var chunkSize: Int64
    /// Seconds after a post is done before its uploaded objects are deleted.
    public var retention: Double
    /// Local time of the daily cleanup run.
    public var cleanupAt: TimeOfDay
    /// Upload URLs per account per window (`spoolpost upload-url`); nil means no limit.
    public var uploadURLRate: UploadURLRateLimit?
    /// Loopback port of the embedded store.
    public var embeddedPort: Int
    /// `embedded_upload_rate`: bytes per second the embedded store takes into resumable uploads (nil: as fast
    /// as it can). A sandbox knob, to watch or test a slow upload being cut and resumed.
    public var embeddedUploadRate: Int64?

    public init(
        bucket: String? = nil, credentials: Credentials? = nil, endpoint: String? = nil, urlStyle: URLStyle = .path,
        bucketHost: String? = nil, readURLExpiry: Int = 86_400, uploadURLExpiry: Int = 3600,
        deleteURLExpiry: Int = 3600, resumableThreshold: Int64 = 8 << 20, chunkSize: Int64 = 8 << 20,
        retention: Double = 30 * 86_400, cleanupAt: TimeOfDay = TimeOfDay(hour: 2, minute: 0),
        uploadURLRate: UploadURLRateLimit? = .standard, embeddedPort: Int = defaultEmbeddedPort
    ) {
        self.bucket = bucket
        self.credentials = credentials
        self.endpoint = endpoint
        self.urlStyle = urlStyle
        self.bucketHost = bucketHost
        self.readURLExpiry = readURLExpiry
        self.uploadURLExpiry = uploadURLExpiry
        self.deleteURLExpiry = deleteURLExpiry
        self.resumableThreshold = resumableThreshold
        self.chunkSize = chunkSize
        self.retention = retention
        self.cleanupAt = cleanupAt
        self.uploadURLRate = uploadURLRate
        self.embeddedPort = embeddedPort
    }

    /// True when no bucket is configured and the embedded store serves media.
    public var usesEmbeddedStore: Bool { bucket == nil }

    /// The bucket URLs are signed for: the configured one or `spoolpost-local`.
    public var effectiveBucket: String { bucket ?? Self.embeddedBucket }

    /// The signing library's URL style for a configured bucket (the embedded store is always path-style).
    public var gcsURLStyle: GCSURLStyle {
        switch urlStyle {
        case .path: .pathStyle
        case .virtualHosted: .virtualHostedStyle
        case .bucketBound: .bucketBoundHostname(bucketHost ?? "")
        }
    }
}
