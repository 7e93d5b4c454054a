import Foundation
import Hummingbird

/// Applies the fault plan before a request reaches any simulator route.
struct SandboxFaultMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Thrown from a response body writer to make Hummingbird close the connection mid-answer.
    struct InjectedConnectionBreak: Error {}

    let injector: SandboxFaultInjector

    /// Reason phrases for the statuses faults usually inject, so error messages read well.
    static var reasonPhrases: [Int: String] {
        [
            400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 408: "Request Timeout",
            409: "Conflict", 413: "Content Too Large", 422: "Unprocessable Content", 429: "Too Many Requests",
            500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
        ]
    }

    func handle(
        _ request: Request,
        context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let action = injector.action(method: request.method.rawValue, path: request.uri.path) else {
            return try await next(request, context)
        }
        switch action {
        case .status(let code, let retryAfterSeconds):
            let status = HTTPResponse.Status(code: code, reasonPhrase: Self.reasonPhrases[code] ?? "")
            let message = "injected fault: \(code) \(status.reasonPhrase)"
            var response = SandboxResponse.jsonError(
                status: status, message: message.trimmingCharacters(in: .whitespaces)
            )
            let defaultRetryAfter = (code == 429 || code == 503) ? 1 : nil
            if let seconds = retryAfterSeconds ?? defaultRetryAfter {
                response.headers[.retryAfter] = String(seconds)
            }
            return response
        case .delay(let seconds):
            try await Task.sleep(for: .seconds(seconds))
            return try await next(request, context)
        case .timeout(let seconds):
            try await Task.sleep(for: .seconds(seconds))
            return Self.brokenResponse(status: .gatewayTimeout, headers: HTTPFields())
        case .breakConnection(let afterHandling):
            guard afterHandling else { return Self.brokenResponse(status: .badGateway, headers: HTTPFields()) }
            let handled = try await next(request, context)
            var headers = handled.headers
            headers[.contentLength] = nil
            return Self.brokenResponse(status: handled.status, headers: headers)
        }
    }

    /// A response whose head goes out and whose body fails, so Hummingbird closes the connection mid-answer.
    private static func brokenResponse(status: HTTPResponse.Status, headers: HTTPFields) -> Response {
        Response(status: status, headers: headers, body: ResponseBody { _ in throw InjectedConnectionBreak() })
    }
}
