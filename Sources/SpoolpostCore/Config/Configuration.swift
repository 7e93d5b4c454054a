/// What a publish promises when the daemon dies mid-request.
public enum DeliveryGuarantee: String, Sendable {
    /// An interrupted publish is never retried blindly; it is marked unknown for a person to check.
    case atMostOnce = "at-most-once"
    /// An interrupted publish is tried again, accepting a possible duplicate.
    case atLeastOnce = "at-least-once"
}

/// One network account from `accounts:` in spoolpost.yaml.
public struct AccountConfig: Sendable, Hashable {
    public var name: String
    public var platform: Platform
    /// `credentials:`: the file holding the secrets (secrets are never inline).
    public var credentialsPath: String?
    /// Every other key (url, api_base, page_id, ...), for the adapter to interpret.
    public var settings: [String: YAMLNode]
    public var mark: SourceMark?

    public init(
        name: String, platform: Platform, credentialsPath: String? = nil, settings: [String: YAMLNode] = [:],
        mark: SourceMark? = nil
    ) {
        self.name = name
        self.platform = platform
        self.credentialsPath = credentialsPath
        self.settings = settings
        self.mark = mark
    }

    /// A scalar setting's text; nil when absent, null or not a scalar.
    public func string(_ key: String) -> String? {
        guard let node = settings[key], !node.isNull else { return nil }
        return node.scalar
    }
}

/// The daemon's configuration, from spoolpost.yaml.
public struct Configuration: Sendable {
    /// `spool:`, the spool directory.
    public var spoolPath: String
    /// `workers:`, concurrent publishes, 1...256.
    public var workers: Int
    public var retry: RetryPolicy
    public var schedule: SchedulePolicy
    /// `timezone:`, an IANA name for manifests whose `schedule_at` has no offset.
    public var timeZone: String?
    public var delivery: DeliveryGuarantee
    /// `accounts:`, keyed by name.
    public var accounts: [String: AccountConfig]
    /// `storage:`: the bucket media goes to, or the embedded store.
    public var storage: StorageConfiguration
    /// `media:`: size limits per media kind.
    public var mediaLimits: MediaLimits
    /// `sandbox:`: failures the built-in sandbox injects on purpose.
    public var sandbox: SandboxSettings

    public init(
        spoolPath: String = "spool", workers: Int = 5, retry: RetryPolicy = RetryPolicy(),
        schedule: SchedulePolicy = SchedulePolicy(), timeZone: String? = nil, delivery: DeliveryGuarantee = .atMostOnce,
        accounts: [String: AccountConfig] = [:], storage: StorageConfiguration = StorageConfiguration(),
        mediaLimits: MediaLimits = MediaLimits(), sandbox: SandboxSettings = SandboxSettings()
    ) {
        self.spoolPath = spoolPath
        self.workers = workers
        self.retry = retry
        self.schedule = schedule
        self.timeZone = timeZone
        self.delivery = delivery
        self.accounts = accounts
        self.storage = storage
        self.mediaLimits = mediaLimits
        self.sandbox = sandbox
    }

    /// Every default, and no accounts.
    public static let defaults = Configuration()

    /// Account name -> platform, as ``ManifestReader/Context`` wants it.
    public var accountPlatforms: [String: Platform] { accounts.mapValues(\.platform) }
}
