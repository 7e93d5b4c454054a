import Foundation
import SpoolpostCore
import SpoolpostIO

/// OAuth 1.0a request signing with HMAC-SHA1 (RFC 5849 section 3.4), as X documents it in
/// "Creating a signature" (docs.x.com/fundamentals/authentication/oauth-1-0a/creating-a-signature) and
/// "Authorizing a request" (the `Authorization: OAuth ...` header).
///
/// Only query-string parameters and `application/x-www-form-urlencoded` body parameters are signed; JSON
/// and multipart bodies are not part of the signature, which is how X's v2 endpoints expect them.
public struct OAuth1Signer: Sendable {
    public let consumerKey: String
    let consumerSecret: String
    public let token: String
    let tokenSecret: String

    public init(consumerKey: String, consumerSecret: String, token: String, tokenSecret: String) {
        self.consumerKey = consumerKey
        self.consumerSecret = consumerSecret
        self.token = token
        self.tokenSecret = tokenSecret
    }

    /// The `Authorization` header value for one request. `parameters` are form-body parameters (raw, not
    /// encoded); query parameters are read from `url`. `nonce` and `timestamp` are fixed only by tests.
    public func authorizationHeader(
        method: String, url: String, parameters: [(String, String)] = [], nonce: String? = nil,
        timestamp: Int? = nil
    ) -> String {
        var oauth: [(String, String)] = [
            ("oauth_consumer_key", consumerKey),
            ("oauth_nonce", nonce ?? Self.makeNonce()),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", String(timestamp ?? Int(Date().timeIntervalSince1970))),
            ("oauth_token", token),
            ("oauth_version", "1.0"),
        ]
        let base = Self.signatureBaseString(
            method: method, url: url, parameters: parameters + oauth)
        oauth.append(
            ("oauth_signature", Self.signature(base: base, consumerSecret: consumerSecret, tokenSecret: tokenSecret)))
        let fields = oauth.sorted { $0.0 < $1.0 }.map { "\(Self.percentEncode($0.0))=\"\(Self.percentEncode($0.1))\"" }
        return "OAuth " + fields.joined(separator: ", ")
    }

    /// `METHOD&encoded(base URL)&encoded(normalized parameters)` (RFC 5849 section 3.4.1).
    public static func signatureBaseString(method: String, url: String, parameters: [(String, String)]) -> String {
        let (baseURL, query) = splitURL(url)
        let all = query + parameters
        let encoded: [(key: String, value: String)] = all.map { (key: percentEncode($0.0), value: percentEncode($0.1)) }
        let sorted = encoded.sorted { (left, right) -> Bool in
            left.key == right.key ? left.value < right.value : left.key < right.key
        }
        let normalized = sorted.map { pair -> String in pair.key + "=" + pair.value }.joined(separator: "&")
        return method.uppercased() + "&" + percentEncode(baseURL) + "&" + percentEncode(normalized)
    }

    /// Base64 of HMAC-SHA1(base string) under `encoded(consumer secret)&encoded(token secret)`.
    public static func signature(base: String, consumerSecret: String, tokenSecret: String) -> String {
        let key = percentEncode(consumerSecret) + "&" + percentEncode(tokenSecret)
        return Data(HMAC.sha1(key: Array(key.utf8), message: Array(base.utf8))).base64EncodedString()
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters `A-Z a-z 0-9 - . _ ~`.
    public static func percentEncode(_ text: String) -> String {
        WebFormEncoding.percentEncode(text)
    }

    /// The base URL (lower-case scheme and host, default port dropped, no query) and the decoded query pairs.
    static func splitURL(_ url: String) -> (String, [(String, String)]) {
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(),
            let host = components.host?.lowercased()
        else { return (url, []) }
        var base = scheme + "://" + host
        if let port = components.port, !(scheme == "http" && port == 80) && !(scheme == "https" && port == 443) {
            base += ":\(port)"
        }
        base += components.percentEncodedPath
        let query = (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }
        return (base, query)
    }

    private static func makeNonce() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<32).map { _ in alphabet[Int(generator.next() % UInt64(alphabet.count))] })
    }
}
