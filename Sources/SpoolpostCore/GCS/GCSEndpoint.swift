/// Where a signed request goes: scheme, the host as written in the URL, the host as signed, and the path prefix.
struct GCSEndpoint: Sendable, Hashable {
    let scheme: String
    /// The authority written in the URL, port included (`storage.googleapis.com:443`, `localhost:8080`).
    let urlHost: String
    /// The `host` header value that is signed: the URL's authority without a default port for the scheme.
    let signedHost: String
    /// True when the bucket is named in the host, so the path starts with the object.
    let bucketInHost: Bool

    init(
        bucket: String,
        style: GCSURLStyle,
        scheme requestedScheme: String,
        endpoint: String?,
        universeDomain: String
    ) throws(GCSSigningError) {
        var scheme = requestedScheme.lowercased()
        var base: String
        if let endpoint {
            let (endpointScheme, authority) = try Self.split(endpoint, what: "endpoint")
            if let endpointScheme { scheme = endpointScheme }
            base = authority
        } else {
            guard !universeDomain.isEmpty else {
                throw GCSSigningError(.invalidRequest, "the universe domain is empty")
            }
            base = "storage." + universeDomain
        }
        switch style {
        case .pathStyle:
            bucketInHost = false
        case .virtualHostedStyle:
            base = bucket + "." + base
            bucketInHost = true
        case .bucketBoundHostname(let hostname):
            let (hostScheme, authority) = try Self.split(hostname, what: "bucket-bound hostname")
            if let hostScheme { scheme = hostScheme }
            base = authority
            bucketInHost = true
        }
        guard scheme == "https" || scheme == "http" else {
            throw GCSSigningError(.invalidRequest, "the scheme must be 'https' or 'http', not '\(requestedScheme)'")
        }
        self.scheme = scheme
        urlHost = base
        // A client leaves the default port out of its Host header, so the signature must not include it either.
        let defaultPort = scheme == "https" ? ":443" : ":80"
        signedHost = base.hasSuffix(defaultPort) ? String(base.dropLast(defaultPort.count)) : base
    }

    /// Splits `scheme://authority` (the scheme is optional) and rejects anything else, such as a path.
    private static func split(_ text: String, what: String) throws(GCSSigningError) -> (String?, String) {
        var scheme: String?
        var rest = Substring(text)
        for candidate in ["https", "http"] where rest.lowercased().hasPrefix(candidate + "://") {
            scheme = candidate
            rest = rest.dropFirst(candidate.count + 3)
            break
        }
        while rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.isEmpty,
            !rest.contains(where: { $0 == "/" || $0 == "?" || $0 == "#" || $0 == "@" || $0.isWhitespace })
        else {
            throw GCSSigningError(
                .invalidRequest,
                "the \(what) '\(text)' must be host[:port], optionally after 'https://' or 'http://'"
            )
        }
        return (scheme, String(rest))
    }

    /// The URL of the bucket's root as signed URLs address it: objects follow after a `/`.
    var bucketURL: String { "\(scheme)://\(urlHost)" }
}

extension GCSSigningRequest {
    /// The URL that `bucket`'s objects are addressed under (`https://storage.googleapis.com/BUCKET`, or the bucket
    /// host for the virtual-hosted style), with no trailing slash.
    public static func bucketURL(
        bucket: String, style: GCSURLStyle, scheme: String = "https", endpoint: String? = nil,
        universeDomain: String = "googleapis.com"
    ) throws(GCSSigningError) -> String {
        let endpoint = try GCSEndpoint(
            bucket: bucket, style: style, scheme: scheme, endpoint: endpoint, universeDomain: universeDomain)
        return endpoint.bucketInHost ? endpoint.bucketURL : endpoint.bucketURL + "/" + bucket
    }
}
