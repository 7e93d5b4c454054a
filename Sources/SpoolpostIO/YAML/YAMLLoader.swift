import CYAML
import SpoolpostCore

/// Loads one YAML document into a ``YAMLNode`` tree with source marks, using libyaml's event parser.
///
/// Stricter than YAML itself, because these files are written by people and read by a daemon: one document
/// per file, no duplicate keys, only text keys, no custom tags, and bounded size, depth and alias expansion.
public enum YAMLLoader {
    /// Parses `bytes` (UTF-8). Returns nil when the stream holds no document or an empty one.
    public static func load(_ bytes: [UInt8], limits: Limits = .init()) throws(YAMLLoadError) -> YAMLNode? {
        guard bytes.count <= limits.maxBytes else {
            throw YAMLLoadError(
                "the document is \(bytes.count) bytes; the limit is \(limits.maxBytes) bytes")
        }
        try UTF8Check.validate(bytes)

        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        defer { parser.deallocate() }
        guard yaml_parser_initialize(parser) == 1 else {
            throw YAMLLoadError("the YAML parser could not be initialised (out of memory)")
        }
        defer { yaml_parser_delete(parser) }

        return try bytes.withUnsafeBufferPointer { (buffer) throws(YAMLLoadError) -> YAMLNode? in
            // libyaml reads the input lazily, so the buffer must outlive every yaml_parser_parse call.
            yaml_parser_set_input_string(parser, buffer.baseAddress, buffer.count)
            yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
            var builder = YAMLTreeBuilder(limits: limits)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(parser, &event) == 1 else {
                    throw parserError(parser.pointee, bytes: buffer)
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { break }
                try builder.handle(event)
            }
            return builder.result
        }
    }

    /// libyaml's own problem text, placed at its problem mark.
    private static func parserError(_ parser: yaml_parser_t, bytes: UnsafeBufferPointer<UInt8>) -> YAMLLoadError {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
        switch parser.error {
        case YAML_MEMORY_ERROR:
            return YAMLLoadError("the YAML parser ran out of memory")
        case YAML_READER_ERROR:
            // Reader errors carry a byte offset rather than a mark.
            let mark = UTF8Check.mark(atByteOffset: parser.problem_offset, in: bytes)
            return YAMLLoadError("\(problem) (byte value \(parser.problem_value))", at: mark)
        default:
            var message = problem
            if let context = parser.context {
                let contextMark = SourceMark(parser.context_mark)
                message += " (\(String(cString: context)) started at line \(contextMark.line), "
                    + "column \(contextMark.column))"
            }
            return YAMLLoadError(message, at: SourceMark(parser.problem_mark))
        }
    }
}

extension SourceMark {
    /// Converts libyaml's 0-based mark to a 1-based one.
    init(_ mark: yaml_mark_t) {
        self.init(line: Int(mark.line) + 1, column: Int(mark.column) + 1)
    }
}
