import Foundation

/// How the bucket appears in a Cloud Storage URL.
public enum GCSURLStyle: Sendable, Hashable {
    /// `https://storage.googleapis.com/bucket/object`.
    case pathStyle
    /// `https://bucket.storage.googleapis.com/object`.
    case virtualHostedStyle
    /// `https://cdn.example.com/object`: a host name (optionally with `http://` or `https://`) that serves the bucket.
    case bucketBoundHostname(String)
}

/// The V4 signing algorithm, named as it appears in `X-Goog-Algorithm`.
public enum GCSSigningAlgorithm: String, Sendable, Hashable {
    /// Signed with a service account's RSA key; the credential names the account's email.
    case rsa = "GOOG4-RSA-SHA256"
    /// Signed with an HMAC key; the credential names the key's access ID.
    case hmac = "GOOG4-HMAC-SHA256"
}

/// Everything that goes into a V4 signed URL, apart from the credentials.
public struct GCSSigningRequest: Sendable, Hashable {
    /// Longest validity Cloud Storage accepts for a V4 signature: seven days.
    public static let maximumExpiration = 604_800

    public var bucket: String
    /// The object name as stored (not encoded); nil signs a bucket-level request such as listing objects.
    public var object: String?
    /// The HTTP method the URL is for (`GET`, `PUT`, `POST` for resumable uploads, ...).
    public var method: String
    /// Seconds the URL stays valid after `date`, 1 ... 604800.
    public var expiration: Int
    /// The signing time, written into `X-Goog-Date` and the credential scope.
    public var date: Date
    public var style: GCSURLStyle
    /// `https` or `http`; an endpoint written with a scheme overrides it.
    public var scheme: String
    /// Another endpoint than `storage.<universeDomain>`, as `host[:port]` or `scheme://host[:port]` (an emulator).
    public var endpoint: String?
    /// The universe domain the default endpoint lives under.
    public var universeDomain: String
    /// Headers the request will carry; all are signed, and the client must send them with these values.
    public var headers: [String: String]
    /// Extra query parameters to sign into the URL.
    public var queryParameters: [String: String]

    public init(
        bucket: String,
        object: String?,
        method: String = "GET",
        expiration: Int,
        date: Date,
        style: GCSURLStyle = .pathStyle,
        scheme: String = "https",
        endpoint: String? = nil,
        universeDomain: String = "googleapis.com",
        headers: [String: String] = [:],
        queryParameters: [String: String] = [:]
    ) {
        self.bucket = bucket
        self.object = object
        self.method = method
        self.expiration = expiration
        self.date = date
        self.style = style
        self.scheme = scheme
        self.endpoint = endpoint
        self.universeDomain = universeDomain
        self.headers = headers
        self.queryParameters = queryParameters
    }
}
