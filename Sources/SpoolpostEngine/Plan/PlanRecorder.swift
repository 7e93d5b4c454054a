import Foundation
public import SpoolpostAdapters
public import SpoolpostCore
public import SpoolpostIO
import Synchronization

/// Collects what a rehearsal sends, converted for printing as it happens: the HTTP client's observer and the
/// adapters' progress both write here. One section (the media, then each target) is open at a time.
public final class PlanRecorder: Sendable {
    private struct State {
        var section = ""
        var entries: [String: [PlanEntry]] = [:]
        var rebasing: URLRebasing
    }

    private let defaultRebasing: URLRebasing
    private let state: Mutex<State>

    /// - Parameter rebasing: turns the rehearsal's loopback URLs into the real ones, for sections that bring none.
    public init(rebasing: URLRebasing) {
        defaultRebasing = rebasing
        state = Mutex(State(rebasing: rebasing))
    }

    /// Entries recorded from now on go to `section`, their URLs rewritten by `rebasing` (one account's real
    /// bases) or, without it, by the recorder's own.
    public func begin(section: String, rebasing: URLRebasing? = nil) {
        let chosen = rebasing ?? defaultRebasing
        state.withLock {
            $0.section = section
            $0.rebasing = chosen
        }
    }

    private var rebasing: URLRebasing { state.withLock { $0.rebasing } }

    /// What was recorded in `section`, in order.
    public func entries(in section: String) -> [PlanEntry] {
        state.withLock { $0.entries[section] ?? [] }
    }

    /// For `HTTPClient.Configuration.observer`.
    public func observe(_ request: HTTPRequest, _ outcome: Result<HTTPResponse, HTTPClientError>) {
        let planned = plannedRequest(request, outcome)
        state.withLock { state in
            var entries = state.entries[state.section] ?? []
            if case .request(var last) = entries.last, last.repeats(planned) {
                last.repeats += 1
                entries[entries.count - 1] = .request(last)
            } else {
                entries.append(.request(planned))
            }
            state.entries[state.section] = entries
        }
    }

    /// Progress that records steps and the public-step mark into the open section.
    public var progress: PublishProgress {
        PublishProgress(
            recordStep: { [self] key, value in
                append(.step(key: key, value: value.map { PlanRedaction.text(rebasing.apply($0)) }))
            },
            beginPublicStep: { [self] in append(.publicStepBegins) })
    }

    /// `text` as printed: real URLs, no secrets.
    public func shown(_ text: String) -> String {
        PlanRedaction.text(rebasing.apply(text))
    }

    private func append(_ entry: PlanEntry) {
        state.withLock { state in state.entries[state.section, default: []].append(entry) }
    }

    // MARK: - Converting a request

    func plannedRequest(_ request: HTTPRequest, _ outcome: Result<HTTPResponse, HTTPClientError>) -> PlannedRequest {
        let parts = request.url.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let query = parts.count > 1 ? Self.fields(String(parts[1]), plusIsSpace: false) : []
        let rebasing = self.rebasing
        let headers = request.headers.map { header in
            PlannedRequest.Field(
                name: header.name, value: PlanRedaction.header(name: header.name, value: rebasing.apply(header.value)))
        }
        let answer: String
        switch outcome {
        case .success(let response): answer = "\(response.status)"
        case .failure(let error): answer = "no answer: \(shown(error.message))"
        }
        return PlannedRequest(
            method: request.method, url: shown(String(parts[0])), query: query.map(shownField), headers: headers,
            body: bodySummary(request), answer: answer)
    }

    private func shownField(_ field: PlannedRequest.Field) -> PlannedRequest.Field {
        PlannedRequest.Field(
            name: field.name,
            value: PlanRedaction.isSecret(name: field.name) ? PlanRedaction.redacted : shown(field.value))
    }

    /// `a=1&b=2` decoded into fields.
    static func fields(_ encoded: String, plusIsSpace: Bool) -> [PlannedRequest.Field] {
        WebFormEncoding.decode(encoded, plusIsSpace: plusIsSpace).map { PlannedRequest.Field(name: $0.name, value: $0.value) }
    }

    static let maxShownBody = 1500

    private func bodySummary(_ request: HTTPRequest) -> [String] {
        let contentType = request.headers.first { $0.name.lowercased() == "content-type" }?.value ?? ""
        let essence = contentType.split(separator: ";").first
            .map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch request.body {
        case .empty:
            return []
        case .file(let path, let offset, let length):
            let name = (path as NSString).lastPathComponent
            return ["\(length) bytes of \(name)" + (offset > 0 ? " from byte \(offset)" : "")]
        case .bytes(let bytes):
            if essence == "application/x-www-form-urlencoded" {
                return Self.fields(String(decoding: bytes, as: UTF8.self), plusIsSpace: true).map(shownField)
                    .map { "\($0.name)=\(Self.clipped($0.value))" }
            }
            if essence.hasSuffix("json"),
                let object = try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed]),
                let data = try? JSONSerialization.data(
                    withJSONObject: redactedJSON(object),
                    options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
            {
                return [Self.clipped(String(decoding: data, as: UTF8.self))]
            }
            if essence.hasPrefix("multipart/") {
                let parts = Self.multipartNames(bytes).joined(separator: ", ")
                return ["\(bytes.count) bytes of \(essence), parts: \(parts)"]
            }
            if essence.hasPrefix("text/") {
                return [Self.clipped(shown(String(decoding: bytes, as: UTF8.self)))]
            }
            return ["\(bytes.count) bytes" + (essence.isEmpty ? "" : " of \(essence)")]
        }
    }

    private func redactedJSON(_ value: Any) -> Any {
        switch value {
        case let object as [String: Any]:
            var result: [String: Any] = [:]
            for (key, member) in object {
                let hidden = PlanRedaction.isSecret(name: key) && member is String
                result[key] = hidden ? PlanRedaction.redacted : redactedJSON(member)
            }
            return result
        case let array as [Any]:
            return array.map(redactedJSON)
        case let text as String:
            return shown(text)
        default:
            return value
        }
    }

    static func clipped(_ text: String) -> String {
        text.count <= maxShownBody ? text : String(text.prefix(maxShownBody)) + "… (\(text.count) characters)"
    }

    /// The `name="…"` of each part's Content-Disposition.
    static func multipartNames(_ bytes: [UInt8]) -> [String] {
        let text = String(decoding: bytes.prefix(64 * 1024), as: UTF8.self)
        var names: [String] = []
        var rest = Substring(text)
        while let range = rest.range(of: "Content-Disposition: form-data; name=\"", options: .caseInsensitive) {
            rest = rest[range.upperBound...]
            guard let end = rest.firstIndex(of: "\"") else { break }
            names.append(String(rest[..<end]))
            rest = rest[end...]
        }
        return names
    }
}
