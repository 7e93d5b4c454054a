import Foundation
import Hummingbird

/// One simulated network: registers the routes that network's real API would answer, and records what it accepts
/// in the shared `SandboxStore`.
protocol NetworkSimulator: Sendable {
    /// The name stored with each received post (for example `webhook`).
    static var network: String { get }
    /// Prefix of the sandbox ids this simulator hands out (for example `wh` -> `wh_000001`).
    static var idPrefix: String { get }

    func addRoutes(to router: Router<BasicRequestContext>)
}

/// Request plumbing simulators share.
enum SandboxRequest {
    /// The body, or a 413 answer when it is larger than the configured limit.
    static func collectBody(_ request: Request, limit: Int) async -> Result<[UInt8], SandboxRejection> {
        var request = request
        do {
            let buffer = try await request.collectBody(upTo: limit)
            return .success(Array(buffer.readableBytesView))
        } catch {
            return .failure(SandboxRejection(.contentTooLarge, "request body is larger than \(limit) bytes"))
        }
    }

    /// The media type of `Content-Type` without parameters, lower-cased (`application/json`).
    static func mediaType(_ request: Request) -> String? {
        guard let value = request.headers[.contentType] else { return nil }
        let type = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return type.trimmingCharacters(in: .whitespaces).lowercased()
    }

    /// The first value of a header, by case-insensitive name.
    static func header(_ request: Request, named name: String) -> String? {
        let lowered = name.lowercased()
        return request.headers.first { $0.name.canonicalName == lowered }?.value
    }

    /// Request headers worth keeping with a post: everything except credentials and signatures.
    static func recordedHeaders(_ request: Request) -> [SandboxHeader] {
        request.headers.compactMap { field in
            let name = field.name.canonicalName
            guard !SandboxHeader.redactedNames.contains(name) else { return nil }
            return SandboxHeader(name: name, value: field.value)
        }
    }
}

/// A request a simulator refuses, with the status and message to answer with.
struct SandboxRejection: Error {
    var status: HTTPResponse.Status
    var message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    var response: Response { SandboxResponse.jsonError(status: status, message: message) }
}
