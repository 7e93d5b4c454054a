import Foundation
public import SpoolpostCore

/// The generic HTTP error classes shared by adapters; a network's own adapter refines them from its
/// structured error bodies.
public enum HTTPFailureClassifier {
    /// Classifies a non-2xx response: 429 and 5xx retry (honouring `Retry-After`), other 4xx do not.
    public static func classify(_ response: HTTPResponse, service: String, now: Date = Date()) -> SpoolpostError {
        let status = response.status
        let retryAfter = response.header("Retry-After").flatMap { RetryAfter.seconds(from: $0, now: now) }
        let detail = summary(of: response)
        switch status {
        case 429:
            return SpoolpostError(
                .rateLimit, "\(service) is rate limiting requests (HTTP 429)\(detail)", retryable: true,
                retryAfter: retryAfter, platformCode: "429")
        case 408:
            return SpoolpostError(
                .timeout, "\(service) timed out reading the request (HTTP 408)\(detail)", retryable: true,
                retryAfter: retryAfter, platformCode: "408")
        case 500...599:
            return SpoolpostError(
                .serverError, "\(service) failed on its side (HTTP \(status))\(detail)", retryable: true,
                retryAfter: retryAfter, platformCode: String(status))
        case 401:
            return SpoolpostError(
                .authExpired, "\(service) refused the credentials (HTTP 401)\(detail); check the account's credentials file",
                platformCode: "401")
        case 403:
            return SpoolpostError(
                .forbidden, "\(service) denied permission (HTTP 403)\(detail)", platformCode: "403")
        case 404:
            return SpoolpostError(
                .notFound, "\(service) answered HTTP 404 (not found)\(detail); check the account's URL", platformCode: "404")
        default:
            return SpoolpostError(
                .rejected, "\(service) rejected the post (HTTP \(status))\(detail)", platformCode: String(status))
        }
    }

    /// Classifies a transport failure. A request that may have left is an unknown outcome unless the caller
    /// knows repeating it is safe (an idempotency key the receiver honours).
    public static func classify(
        _ error: HTTPClientError, service: String, repeatable: Bool
    ) -> SpoolpostError {
        if error.requestMayHaveBeenSent && !repeatable && [.responseTooLarge, .cancelled, .other].contains(error.kind) {
            return unknownOutcome(error, service: service)
        }
        switch error.kind {
        case .couldNotConnect:
            return SpoolpostError(.connection, "could not connect to \(service): \(error.message)", retryable: true)
        case .timedOut where !error.requestMayHaveBeenSent || repeatable:
            return SpoolpostError(.timeout, "\(service) did not answer in time: \(error.message)", retryable: true)
        case .connectionLost where !error.requestMayHaveBeenSent || repeatable:
            return SpoolpostError(.connection, "the connection to \(service) broke: \(error.message)", retryable: true)
        case .timedOut, .connectionLost:
            return unknownOutcome(error, service: service)
        case .responseTooLarge:
            return SpoolpostError(.serverError, "\(service) sent an oversized response: \(error.message)", retryable: true)
        case .invalidRequest:
            return SpoolpostError(.invalidConfig, "the request to \(service) is invalid: \(error.message)")
        case .cancelled:
            return SpoolpostError(.connection, "the request to \(service) was cancelled", retryable: true)
        case .other:
            return SpoolpostError(.connection, "the request to \(service) failed: \(error.message)", retryable: true)
        }
    }

    private static func unknownOutcome(_ error: HTTPClientError, service: String) -> SpoolpostError {
        SpoolpostError(
            .unknownOutcome,
            "the request to \(service) was sent but no usable answer came (\(error.message)); it may have been published",
            retryable: false)
    }

    /// A short, single-line excerpt of an error body, for the message (bodies never carry our secrets).
    static func summary(of response: HTTPResponse) -> String {
        let text = response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { return "" }
        let flat = text.replacingOccurrences(of: "\n", with: " ")
        return ": " + (flat.count > 300 ? String(flat.prefix(300)) + "…" : flat)
    }
}
