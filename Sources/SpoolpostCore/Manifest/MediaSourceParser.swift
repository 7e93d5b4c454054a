/// Lexical checks of the three media sources; each returns the source or a message saying what is wrong.
enum MediaSourceParser {
    /// A path relative to spool/media/ that cannot climb out of it.
    static func file(_ path: String) -> Result<MediaReference.Source, MediaSourceProblem> {
        if path.trimmingASCIIWhitespace().isEmpty {
            return .failure(MediaSourceProblem("the file path is empty; name a file in spool/media/"))
        }
        if path.hasPrefix("/") {
            return .failure(MediaSourceProblem(
                "'\(path)' is an absolute path; name the file relative to spool/media/ (e.g. launch.jpg)"))
        }
        if path.split(separator: "/", omittingEmptySubsequences: false).contains("..") {
            return .failure(MediaSourceProblem(
                "'\(path)' contains '..'; media files must stay inside spool/media/"))
        }
        if path.contains("\0") {
            return .failure(MediaSourceProblem("the file path contains a NUL character"))
        }
        return .success(.file(path: path))
    }

    /// `gs://BUCKET/OBJECT` with Cloud Storage's bucket naming rules and a non-empty object name.
    static func gcs(_ text: String) -> Result<MediaReference.Source, MediaSourceProblem> {
        let prefix = "gs://"
        guard text.hasPrefix(prefix) else {
            return .failure(MediaSourceProblem("'\(text)' is not a gs:// path; expected gs://BUCKET/OBJECT"))
        }
        let rest = text.dropFirst(prefix.count)
        guard let slash = rest.firstIndex(of: "/") else {
            return .failure(MediaSourceProblem("'\(text)' names no object; expected gs://BUCKET/OBJECT"))
        }
        let bucket = String(rest[..<slash])
        let object = String(rest[rest.index(after: slash)...])
        if let problem = bucketProblem(bucket) {
            return .failure(MediaSourceProblem("invalid bucket name '\(bucket)': \(problem)"))
        }
        if object.isEmpty {
            return .failure(MediaSourceProblem("'\(text)' names no object; expected gs://BUCKET/OBJECT"))
        }
        if object.utf8.count > 1024 || object.contains("\n") || object.contains("\r") {
            return .failure(MediaSourceProblem(
                "invalid object name in '\(text)': at most 1024 bytes and no line breaks"))
        }
        return .success(.gcs(bucket: bucket, object: object))
    }

    static func bucketProblem(_ bucket: String) -> String? {
        let rules = "3-63 characters of lower-case letters, digits, '-', '_' and '.', "
            + "starting and ending with a letter or digit"
        let scalars = Array(bucket.unicodeScalars)
        let isLowerAlnum: (Unicode.Scalar) -> Bool = { ("a"..."z").contains($0) || ("0"..."9").contains($0) }
        guard scalars.allSatisfy({ isLowerAlnum($0) || $0 == "-" || $0 == "_" || $0 == "." }),
              let first = scalars.first, let last = scalars.last, isLowerAlnum(first), isLowerAlnum(last)
        else { return rules }
        let components = bucket.split(separator: ".", omittingEmptySubsequences: false)
        if bucket.contains(".") {
            guard bucket.count <= 222, components.allSatisfy({ !$0.isEmpty && $0.count <= 63 }) else { return rules }
        } else if !(3...63).contains(bucket.count) {
            return rules
        }
        if bucket.count < 3 { return rules }
        if components.count == 4, components.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isNumber) }) {
            return "a bucket name cannot be an IP address"
        }
        if bucket.hasPrefix("goog") { return "a bucket name cannot start with 'goog'" }
        return nil
    }

    /// An absolute http or https URL with a host.
    static func url(_ text: String) -> Result<MediaReference.Source, MediaSourceProblem> {
        let expected = "expected an absolute http:// or https:// URL with a host"
        let lowered = text.lowercased()
        guard let schemeLength = ["https://", "http://"].first(where: { lowered.hasPrefix($0) })?.count else {
            return .failure(MediaSourceProblem("'\(text)' is not a web address; \(expected)"))
        }
        if text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) {
            return .failure(MediaSourceProblem(
                "'\(text)' contains spaces or control characters; percent-encode them (%20)"))
        }
        let afterScheme = text.dropFirst(schemeLength)
        let authority = afterScheme.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostAndPort = authority.split(separator: "@", omittingEmptySubsequences: false).last ?? ""
        var host = Substring(hostAndPort)
        var port: Substring?
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else {
                return .failure(MediaSourceProblem("'\(text)' has an unclosed IPv6 address; \(expected)"))
            }
            let remainder = host[host.index(after: close)...]
            if remainder.hasPrefix(":") { port = remainder.dropFirst() } else if !remainder.isEmpty {
                return .failure(MediaSourceProblem("'\(text)' has a malformed host; \(expected)"))
            }
            host = host[...close]
        } else if let colon = host.firstIndex(of: ":") {
            port = host[host.index(after: colon)...]
            host = host[..<colon]
        }
        let hostIsValid = host.count > 2 && host.hasPrefix("[")
            || !host.isEmpty && host.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || scalar == "-"
                    || scalar == "." || scalar == "%")
            }
        guard hostIsValid else {
            return .failure(MediaSourceProblem("'\(text)' has no valid host; \(expected)"))
        }
        let portIsValid = port.map { port in
            port.allSatisfy { $0.isASCII && $0.isNumber } && Int(port).map { (1...65_535).contains($0) } == true
        }
        if let port, portIsValid == false {
            return .failure(MediaSourceProblem("'\(text)' has an invalid port '\(port)'; \(expected)"))
        }
        return .success(.url(text))
    }
}

/// What is wrong with a media source, as a message.
struct MediaSourceProblem: Error {
    var message: String
    init(_ message: String) { self.message = message }
}
