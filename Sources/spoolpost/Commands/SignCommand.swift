import ArgumentParser
import Foundation
import SpoolpostCore
import SpoolpostIO

struct SignCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Print a V4 signed URL for a Cloud Storage object (or a POST policy with --post-policy).",
        discussion: """
            The object name is everything after gs://BUCKET/, taken literally (spaces, ?, #, % and unicode included); \
            gs://BUCKET alone signs the bucket. Without --key or --hmac-key, the key, endpoint and URL style come \
            from the config's storage: section, or from the embedded store. Prints one URL and nothing else.
            """
    )

    @OptionGroup var options: GlobalOptions

    @Argument(help: "gs://BUCKET/OBJECT, or gs://BUCKET for the bucket itself.")
    var target: String

    @Option(help: "A service-account JSON key file (mode 0600).")
    var key: String?

    @Option(name: .customLong("hmac-key"), help: "A JSON file with access_id and secret (mode 0600).")
    var hmacKey: String?

    @Option(help: "The HTTP method the URL is for.")
    var method: String = "GET"

    @Option(help: "How long the URL stays valid: seconds or 30m, 1h, 24h, 7d (at most 7 days).")
    var expires: String = "1h"

    @Option(help: "The signing time, RFC 3339 (default: now).")
    var at: String?

    @Option(name: .customLong("header"), help: "'Name: value': a header the request will send; repeatable.")
    var headers: [String] = []

    @Option(name: .customLong("query"), help: "'name=value': a query parameter to sign into the URL; repeatable.")
    var queries: [String] = []

    @Option(help: "URL style: path, virtual-hosted or bucket-bound.")
    var style: String?

    @Option(help: "The bucket-bound host name (with --style bucket-bound), or another endpoint host[:port].")
    var host: String?

    @Option(help: "https or http.")
    var scheme: String?

    @Flag(name: .customLong("post-policy"), help: "Print a POST policy (form URL and fields) as JSON instead.")
    var postPolicy = false

    @Option(name: .customLong("field"), help: "'name=value': a POST policy form field; repeatable.")
    var fields: [String] = []

    @Option(
        name: .customLong("condition"),
        help: "A POST policy condition as JSON, e.g. '[\"starts-with\", \"$key\", \"uploads/\"]'; repeatable.")
    var conditions: [String] = []

    func run() throws {
        let (bucket, object) = try Self.parseTarget(target)
        let expiration = try Self.parseExpiry(expires)
        let date = try at.map(Self.parseTime) ?? Date()
        let addressing = try resolveAddressing()

        if postPolicy {
            guard headers.isEmpty, queries.isEmpty, method.uppercased() == "GET" || method.uppercased() == "POST" else {
                throw CLIError(
                    "--header, --query and --method do not apply to --post-policy; use --field and --condition")
            }
            guard let object else { throw CLIError("a POST policy needs an object name: gs://\(bucket)/OBJECT") }
            let request = GCSPostPolicyRequest(
                bucket: bucket, object: object, expiration: expiration, date: date, style: addressing.style,
                scheme: addressing.scheme, endpoint: addressing.endpoint,
                fields: try Self.parsePairs(fields, separator: "=", what: "--field", example: "acl=public-read"),
                conditions: try conditions.map(Self.parseCondition))
            let policy: GCSSignedPostPolicy
            do {
                policy = try addressing.signer.postPolicy(for: request)
            } catch {
                throw CLIError(error.message)
            }
            let json: [String: Any] = ["url": policy.url, "fields": policy.fields]
            let data = try JSONSerialization.data(
                withJSONObject: json, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        guard fields.isEmpty, conditions.isEmpty else {
            throw CLIError("--field and --condition apply only to --post-policy")
        }
        let request = GCSSigningRequest(
            bucket: bucket, object: object, method: method, expiration: expiration, date: date, style: addressing.style,
            scheme: addressing.scheme, endpoint: addressing.endpoint,
            headers: try Self.parsePairs(
                headers, separator: ":", what: "--header", example: "'Content-Type: image/png'"),
            queryParameters: try Self.parsePairs(queries, separator: "=", what: "--query", example: "generation=123"))
        do {
            print(try addressing.signer.signedURL(for: request))
        } catch {
            throw CLIError(error.message)
        }
    }

    private struct Addressing {
        var signer: GCSURLSigner
        var style: GCSURLStyle
        var scheme: String
        var endpoint: String?
    }

    /// The key and addressing: from --key/--hmac-key and the flags, or from the configuration with the flags
    /// overriding it.
    private func resolveAddressing() throws -> Addressing {
        var addressing: Addressing
        switch (key, hmacKey) {
        case (.some, .some):
            throw CLIError("give one key: --key (service account) or --hmac-key, not both")
        case (let path?, nil):
            addressing = Addressing(
                signer: try loadSigner(.serviceAccountKey(path: path)), style: .pathStyle, scheme: "https")
        case (nil, let path?):
            addressing = Addressing(signer: try loadSigner(.hmacKey(path: path)), style: .pathStyle, scheme: "https")
        case (nil, nil):
            let loaded = try LoadedConfiguration.load(options)
            let storage: StorageSigner
            do {
                storage = try StorageSigner.load(
                    storage: loaded.configuration.storage, spoolRoot: loaded.spoolRoot,
                    baseDirectory: loaded.baseDirectory)
            } catch {
                throw CLIError(error.message)
            }
            addressing = Addressing(
                signer: storage.signer, style: storage.style, scheme: storage.scheme, endpoint: storage.endpoint)
        }
        if let scheme {
            let lowered = scheme.lowercased()
            guard lowered == "https" || lowered == "http" else {
                throw CLIError("--scheme must be https or http, not '\(scheme)'")
            }
            addressing.scheme = lowered
            // An endpoint's own scheme would override the flag; keep its host only.
            addressing.endpoint = addressing.endpoint.map(Self.withoutScheme)
        }
        let styleName = style?.lowercased()
        switch styleName {
        case nil:
            if let host {
                if case .bucketBoundHostname = addressing.style {
                    addressing.style = .bucketBoundHostname(host)
                } else {
                    addressing.endpoint = host
                }
            }
        case "path", "path-style":
            addressing.style = .pathStyle
            if let host { addressing.endpoint = host }
        case "virtual-hosted", "virtual-hosted-style":
            addressing.style = .virtualHostedStyle
            if let host { addressing.endpoint = host }
        case "bucket-bound", "bucket-bound-hostname":
            guard let host else {
                throw CLIError("--style bucket-bound needs --host: the host name serving the bucket")
            }
            addressing.style = .bucketBoundHostname(host)
        default:
            throw CLIError("--style must be path, virtual-hosted or bucket-bound, not '\(style ?? "")'")
        }
        return addressing
    }

    private func loadSigner(_ credentials: StorageConfiguration.Credentials) throws -> GCSURLSigner {
        do {
            return try StorageSigner.loadSigner(credentials)
        } catch {
            throw CLIError(error.message)
        }
    }

    // MARK: Parsing

    /// `gs://BUCKET/OBJECT` → (BUCKET, OBJECT); `gs://BUCKET` or `gs://BUCKET/` → (BUCKET, nil).
    static func parseTarget(_ text: String) throws -> (bucket: String, object: String?) {
        guard text.hasPrefix("gs://") else {
            throw CLIError("'\(text)' is not a gs://BUCKET/OBJECT address")
        }
        let rest = text.dropFirst(5)
        let slash = rest.firstIndex(of: "/") ?? rest.endIndex
        let bucket = String(rest[..<slash])
        guard !bucket.isEmpty else { throw CLIError("'\(text)' names no bucket: write gs://BUCKET/OBJECT") }
        let object = slash == rest.endIndex ? "" : String(rest[rest.index(after: slash)...])
        return (bucket, object.isEmpty ? nil : object)
    }

    /// Seconds from `3600` or `1h`, `24h`, `7d`, `1h30m`: whole seconds from 1 to 7 days.
    static func parseExpiry(_ text: String) throws -> Int {
        guard let seconds = DurationParser.seconds(text), seconds == seconds.rounded() else {
            throw CLIError("--expires '\(text)' is not a duration: give seconds (3600) or 30m, 1h, 24h, 7d")
        }
        let maximum = GCSSigningRequest.maximumExpiration
        guard seconds <= Double(maximum) else {
            throw CLIError(
                "--expires \(text) is too long: a V4 signed URL lasts at most 7 days (\(maximum) seconds)")
        }
        guard seconds >= 1 else { throw CLIError("--expires must be at least 1 second") }
        return Int(seconds)
    }

    static func parseTime(_ text: String) throws -> Date {
        guard let date = RFC3339.parse(text) else {
            throw CLIError("--at '\(text)' is not an RFC 3339 time such as 2026-05-01T09:00:00Z")
        }
        return date
    }

    /// `name<separator>value` pairs; the value may be empty and may contain the separator.
    static func parsePairs(
        _ items: [String], separator: Character, what: String, example: String
    ) throws -> [String: String] {
        var pairs: [String: String] = [:]
        for item in items {
            guard let index = item.firstIndex(of: separator) else {
                throw CLIError("\(what) '\(item)' has no '\(separator)': write it as \(example)")
            }
            let name = item[..<index].trimmingCharacters(in: .whitespaces)
            var value = Substring(item[item.index(after: index)...])
            if separator == ":" { value = value.drop { $0 == " " } }
            guard !name.isEmpty else { throw CLIError("\(what) '\(item)' has no name: write it as \(example)") }
            guard pairs[name] == nil else { throw CLIError("\(what) '\(name)' is given twice") }
            pairs[name] = String(value)
        }
        return pairs
    }

    /// `["starts-with", "$key", "prefix"]`, `["eq", "$field", "value"]` or `["content-length-range", MIN, MAX]`.
    static func parseCondition(_ text: String) throws -> GCSPostPolicyCondition {
        let usage = "--condition '\(text)': expected a JSON array such as [\"starts-with\", \"$key\", \"uploads/\"], "
            + "[\"eq\", \"$acl\", \"private\"] or [\"content-length-range\", 0, 1048576]"
        guard let array = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [Any], array.count == 3,
            let operation = (array[0] as? String)?.lowercased()
        else { throw CLIError(usage) }
        switch operation {
        case "starts-with":
            guard let field = array[1] as? String, let prefix = array[2] as? String else { throw CLIError(usage) }
            return .startsWith(field: field, prefix: prefix)
        case "eq":
            guard let field = array[1] as? String, let value = array[2] as? String else { throw CLIError(usage) }
            return .equals(field: field, value: value)
        case "content-length-range":
            guard let minimum = (array[1] as? NSNumber)?.intValue, let maximum = (array[2] as? NSNumber)?.intValue,
                minimum >= 0, minimum <= maximum
            else { throw CLIError(usage) }
            return .contentLengthRange(minimum: minimum, maximum: maximum)
        default:
            throw CLIError(usage)
        }
    }

    static func withoutScheme(_ endpoint: String) -> String {
        for prefix in ["https://", "http://"] where endpoint.lowercased().hasPrefix(prefix) {
            return String(endpoint.dropFirst(prefix.count))
        }
        return endpoint
    }
}
