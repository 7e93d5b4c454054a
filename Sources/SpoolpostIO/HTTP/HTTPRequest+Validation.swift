import Foundation

extension HTTPRequest {
    /// `scheme://host[:port]/path` with user info, query and fragment removed, for messages and logs.
    var redactedURL: String {
        var rest = Substring(url)
        var scheme = ""
        if let range = rest.range(of: "://") {
            scheme = String(rest[..<range.lowerBound]) + "://"
            rest = rest[range.upperBound...]
        }
        if let end = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) {
            rest = rest[..<end]
        }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") {
            authority = authority[authority.index(after: at)...]
        }
        return scheme + authority + rest[authorityEnd...]
    }

    /// The query string and fragment, which may carry secrets; empty when there are none.
    var secretURLParts: String {
        guard let start = url.firstIndex(where: { $0 == "?" || $0 == "#" }) else { return "" }
        return String(url[url.index(after: start)...])
    }

    /// A reason this request cannot be sent, or nil. Checks only what can be judged without I/O.
    var validationProblem: String? {
        if method.isEmpty || !method.utf8.allSatisfy(Self.isTokenByte) {
            return "method is not an HTTP token"
        }
        let lowered = url.lowercased()
        guard lowered.hasPrefix("http://") || lowered.hasPrefix("https://") else {
            return "URL \(redactedURL) is not an absolute http or https URL"
        }
        if url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            return "URL \(redactedURL) contains spaces or control characters"
        }
        for header in headers {
            if header.name.isEmpty || !header.name.utf8.allSatisfy(Self.isTokenByte) {
                return "header name \"\(header.name)\" is not an HTTP token"
            }
            if header.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) {
                return "value of header \(header.name) contains a line break or NUL"
            }
        }
        if !(timeout > 0) || !timeout.isFinite {
            return "timeout must be a positive number of seconds"
        }
        if !(connectTimeout > 0) || !connectTimeout.isFinite {
            return "connect timeout must be a positive number of seconds"
        }
        if maxResponseBytes < 0 {
            return "maximum response size must not be negative"
        }
        if case .file(_, let offset, let length) = body, offset < 0 || length < 0 {
            return "file body offset and length must not be negative"
        }
        return nil
    }

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
