import Foundation

/// A resumable upload request's `Content-Range`: `bytes FIRST-LAST/TOTAL`, `bytes FIRST-LAST/*`, `bytes */TOTAL`
/// (a status query, or the end of an upload whose last chunk was empty) or `bytes */*`.
struct ObjectStoreContentRange: Sendable, Hashable {
    /// The bytes this request carries, or nil for a status query.
    var range: ClosedRange<Int64>?
    /// The object's total size, when the client declares it.
    var total: Int64?

    init?(_ header: String) {
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.hasPrefix("bytes ") else { return nil }
        let spec = text.dropFirst("bytes ".count)
        guard let slash = spec.firstIndex(of: "/") else { return nil }
        let rangeText = spec[..<slash]
        let totalText = spec[spec.index(after: slash)...]
        if totalText == "*" {
            total = nil
        } else {
            guard let value = Self.number(totalText) else { return nil }
            total = value
        }
        if rangeText == "*" {
            range = nil
        } else {
            guard let dash = rangeText.firstIndex(of: "-"),
                let first = Self.number(rangeText[..<dash]),
                let last = Self.number(rangeText[rangeText.index(after: dash)...]),
                first <= last
            else { return nil }
            if let total, last >= total { return nil }
            range = first...last
        }
    }

    private static func number(_ text: Substring) -> Int64? {
        guard !text.isEmpty, text.count <= 18, text.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return nil }
        return Int64(text)
    }
}
