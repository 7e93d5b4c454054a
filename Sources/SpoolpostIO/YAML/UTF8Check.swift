import SpoolpostCore

/// UTF-8 validation and byte-offset-to-mark conversion for documents handed to libyaml.
enum UTF8Check {
    /// Throws at the first byte that is not part of well-formed UTF-8.
    static func validate(_ bytes: [UInt8]) throws(YAMLLoadError) {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                offset += UTF8.width(scalar)
            case .emptyInput:
                return
            case .error:
                let position = bytes.withUnsafeBufferPointer { Self.mark(atByteOffset: offset, in: $0) }
                throw YAMLLoadError(
                    "the file is not valid UTF-8 (byte 0x\(String(bytes[offset], radix: 16, uppercase: true)))",
                    at: position)
            }
        }
    }

    /// The 1-based line and column (in characters) of a byte offset; lines end at LF, CR LF or CR.
    static func mark(atByteOffset offset: Int, in bytes: UnsafeBufferPointer<UInt8>) -> SourceMark {
        var line = 1
        var column = 1
        var index = 0
        let end = min(offset, bytes.count)
        while index < end {
            let byte = bytes[index]
            if byte == 0x0A || (byte == 0x0D && (index + 1 >= bytes.count || bytes[index + 1] != 0x0A)) {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
            index += 1
        }
        return SourceMark(line: line, column: column)
    }
}
