import Foundation

/// `application/x-www-form-urlencoded` bodies and percent-encoded URL parts, as OAuth and Graph-style APIs take
/// them, and their decoding (the sandbox's simulators, `spoolpost plan`).
public enum WebFormEncoding {
    /// `name=value&...` with every byte outside the unreserved set (`A-Z a-z 0-9 - . _ ~`) percent-encoded.
    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { percentEncode($0.0) + "=" + percentEncode($0.1) }.joined(separator: "&")
    }

    /// RFC 3986 percent-encoding of everything but unreserved characters, with uppercase hex digits.
    public static func percentEncode(_ text: String) -> String {
        GCSEncoding.percentEncode(text)
    }

    /// The `name=value` pairs of a form body or query string, in order and percent-decoded. In a form body `+`
    /// is a space; in a query string (`plusIsSpace: false`) it stays `+`.
    public static func decode(_ text: String, plusIsSpace: Bool = true) -> [(name: String, value: String)] {
        text.split(separator: "&").map { pair in
            let halves = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decoded(_ part: Substring) -> String {
                let spaced = plusIsSpace ? part.replacingOccurrences(of: "+", with: " ") : String(part)
                return spaced.removingPercentEncoding ?? spaced
            }
            return (name: decoded(halves[0]), value: halves.count > 1 ? decoded(halves[1]) : "")
        }
    }

    /// The form's fields by name (a repeated name keeps its last value; an empty name is dropped).
    public static func fields(_ text: String) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in decode(text) where !pair.name.isEmpty { fields[pair.name] = pair.value }
        return fields
    }
}
