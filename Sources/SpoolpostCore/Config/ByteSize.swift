/// Sizes as written in configuration files: `8MiB`, `512KiB`, `1GiB`, `5MB`, or a plain number of bytes.
public enum ByteSize {
    /// Bytes in `text`; nil when it is not a whole, non-negative size.
    ///
    /// Binary units (`KiB`, `MiB`, `GiB`, `TiB`) and decimal ones (`kB`/`KB`, `MB`, `GB`, `TB`) are accepted, with
    /// or without a space, case-insensitively; `B` means bytes. A fraction is accepted when the result is whole
    /// (`1.5MiB`).
    public static func parse(_ text: String) -> Int64? {
        let trimmed = text.trimmingASCIIWhitespace()
        let numberEnd = trimmed.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? trimmed.endIndex
        let numberText = trimmed[..<numberEnd]
        let unit = String(trimmed[numberEnd...]).trimmingASCIIWhitespace().lowercased()
        guard !numberText.isEmpty, !numberText.hasPrefix("."), !numberText.hasSuffix("."),
            numberText.filter({ $0 == "." }).count <= 1
        else { return nil }
        let multiplier: Int64
        switch unit {
        case "", "b": multiplier = 1
        case "kib", "k": multiplier = 1 << 10
        case "mib", "m": multiplier = 1 << 20
        case "gib", "g": multiplier = 1 << 30
        case "tib", "t": multiplier = 1 << 40
        case "kb": multiplier = 1_000
        case "mb": multiplier = 1_000_000
        case "gb": multiplier = 1_000_000_000
        case "tb": multiplier = 1_000_000_000_000
        default: return nil
        }
        if !numberText.contains(".") {
            guard let whole = Int64(numberText) else { return nil }
            let (product, overflow) = whole.multipliedReportingOverflow(by: multiplier)
            return overflow ? nil : product
        }
        guard let value = Double(numberText) else { return nil }
        let bytes = value * Double(multiplier)
        guard bytes.isFinite, bytes < 9.0e18, bytes == bytes.rounded() else { return nil }
        return Int64(bytes)
    }

    /// `8 MiB`, `512 KiB`, `1 GiB`, or `1234567 bytes` when no binary unit divides it evenly.
    public static func describe(_ bytes: Int64) -> String {
        for (shift, unit) in [(40, "TiB"), (30, "GiB"), (20, "MiB"), (10, "KiB")] {
            let size = Int64(1) << shift
            if bytes >= size, bytes % size == 0 { return "\(bytes / size) \(unit)" }
        }
        return bytes == 1 ? "1 byte" : "\(bytes) bytes"
    }
}
