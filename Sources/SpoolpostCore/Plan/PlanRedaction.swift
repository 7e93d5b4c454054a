/// Hides secrets in what `spoolpost plan` prints: tokens, signatures and keys in headers, query strings, form
/// fields, JSON bodies and URLs written inside other values.
public enum PlanRedaction {
    /// What a secret is replaced with.
    public static let redacted = "‹redacted›"

    /// Parameter and field names whose values are secrets, compared in lower case. An upload session's id is one:
    /// its URI alone lets anyone write to the upload.
    static let secretNames: Set<String> = [
        "upload_id", "access_token", "refresh_token", "client_secret", "fb_exchange_token", "code", "code_verifier",
        "input_token", "x-goog-signature", "x-goog-credential", "oauth_signature", "oauth_token",
        "oauth_consumer_key", "password", "secret", "token", "key", "api_key", "signature",
    ]

    /// Whether the value of a query parameter, form field or JSON key named `name` is a secret.
    public static func isSecret(name: String) -> Bool {
        let lower = name.lowercased()
        return secretNames.contains(lower) || lower.hasSuffix("_token") || lower.hasSuffix("_secret")
    }

    /// A header value as printed: credentials keep only their scheme (`Bearer ‹redacted›`), signatures, cookies
    /// and keys are hidden whole, everything else has secrets written inside it hidden.
    public static func header(name: String, value: String) -> String {
        let lower = name.lowercased()
        if lower == "authorization" || lower == "proxy-authorization" {
            guard let space = value.firstIndex(of: " ") else { return redacted }
            return value[..<space] + " " + redacted
        }
        if lower == "cookie" || lower.contains("signature") || lower.contains("token") || lower.contains("secret")
            || lower.contains("api-key")
        {
            return redacted
        }
        return text(value)
    }

    /// `text` with the value of every `name=value` whose name is a secret replaced, wherever it appears (a
    /// signed URL inside a form field or a JSON body, for example). A value ends at `&`, whitespace, a quote,
    /// a comma or a closing bracket.
    public static func text(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            output.append(byte)
            index += 1
            guard byte == UInt8(ascii: "=") else { continue }
            // The name runs back from `=` to the previous separator.
            var start = output.count - 1
            while start > 0, isNameByte(output[start - 1]) { start -= 1 }
            let name = String(decoding: output[start..<(output.count - 1)], as: UTF8.self)
            guard !name.isEmpty, isSecret(name: name) else { continue }
            var end = index
            while end < bytes.count, !isValueEnd(bytes[end]) { end += 1 }
            if end > index { output.append(contentsOf: redacted.utf8) }
            index = end
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
            || byte == UInt8(ascii: "-")
    }

    private static func isValueEnd(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "&"), UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"),
            UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"),
            UInt8(ascii: ")"):
            true
        default:
            false
        }
    }
}
