import Foundation

/// The `Code`, `Message` and `Details` of a Cloud Storage XML error document, read without an XML parser (the
/// document is flat and small); anything longer than a few hundred characters is cut.
struct GCSXMLErrorBody {
    var code: String?
    var message: String?
    var details: String?

    private static let limit = 300

    init(_ body: [UInt8]) {
        let text = String(decoding: body.prefix(64 * 1024), as: UTF8.self)
        code = Self.element("Code", in: text)
        message = Self.element("Message", in: text)
        details = Self.element("Details", in: text)
    }

    private static func element(_ name: String, in text: String) -> String? {
        guard let start = text.range(of: "<\(name)>"),
            let end = text.range(of: "</\(name)>", range: start.upperBound..<text.endIndex)
        else { return nil }
        let raw = text[start.upperBound..<end.lowerBound]
        let value = unescape(String(raw)).split(whereSeparator: \.isNewline).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { return nil }
        return value.count > limit ? String(value.prefix(limit)) + "…" : value
    }

    private static func unescape(_ text: String) -> String {
        guard text.contains("&") else { return text }
        return text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
