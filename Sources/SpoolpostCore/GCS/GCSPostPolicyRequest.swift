import Foundation

/// A condition of a POST policy document, beyond the exact-match fields.
public enum GCSPostPolicyCondition: Sendable, Hashable {
    /// `["starts-with", "$field", "prefix"]`: the form field must start with `prefix` (`$key`, `$acl`, ...).
    case startsWith(field: String, prefix: String)
    /// `["eq", "$field", "value"]`: the form field must equal `value`.
    case equals(field: String, value: String)
    /// `["content-length-range", min, max]`: the upload's size in bytes must lie in the range.
    case contentLengthRange(minimum: Int, maximum: Int)
}

/// Everything that goes into a V4 POST policy (an HTML form upload), apart from the credentials.
public struct GCSPostPolicyRequest: Sendable, Hashable {
    public var bucket: String
    /// The object name the form uploads to, sent as the `key` field.
    public var object: String
    /// Seconds the policy stays valid after `date`, 1 ... 604800.
    public var expiration: Int
    public var date: Date
    public var style: GCSURLStyle
    public var scheme: String
    /// Another endpoint than `storage.<universeDomain>`, as `host[:port]` or `scheme://host[:port]`.
    public var endpoint: String?
    public var universeDomain: String
    /// Extra form fields (`content-type`, `acl`, `success_action_status`, `x-goog-meta-*`, ...); each is also
    /// written into the policy as an exact-match condition.
    public var fields: [String: String]
    /// Conditions written into the policy before the field conditions, in this order.
    public var conditions: [GCSPostPolicyCondition]

    public init(
        bucket: String,
        object: String,
        expiration: Int,
        date: Date,
        style: GCSURLStyle = .pathStyle,
        scheme: String = "https",
        endpoint: String? = nil,
        universeDomain: String = "googleapis.com",
        fields: [String: String] = [:],
        conditions: [GCSPostPolicyCondition] = []
    ) {
        self.bucket = bucket
        self.object = object
        self.expiration = expiration
        self.date = date
        self.style = style
        self.scheme = scheme
        self.endpoint = endpoint
        self.universeDomain = universeDomain
        self.fields = fields
        self.conditions = conditions
    }
}
