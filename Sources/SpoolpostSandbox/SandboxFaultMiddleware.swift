import Hummingbird

/// Applies the fault plan before a request reaches any simulator route.
struct SandboxFaultMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Thrown from a response body writer to make Hummingbird close the connection mid-answer.
    struct InjectedConnectionBreak: Error {}

    let injector: SandboxFaultInjector

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
            let status = HTTPResponse.Status(code: code)
            var response = SandboxResponse.jsonError(
                status: status, message: "injected fault: \(code) \(status.reasonPhrase)"
            )
            let defaultRetryAfter = (code == 429 || code == 503) ? 1 : nil
            if let seconds = retryAfterSeconds ?? defaultRetryAfter {
                response.headers[.retryAfter] = String(seconds)
            }
            return response
        case .delay(let seconds):
            try await Task.sleep(for: .seconds(seconds))
            return try await next(request, context)
        case .breakConnection(let afterHandling):
            var status = HTTPResponse.Status.badGateway
            var headers = HTTPFields()
            if afterHandling {
                let handled = try await next(request, context)
                status = handled.status
                headers = handled.headers
                headers[.contentLength] = nil
            }
            return Response(status: status, headers: headers, body: ResponseBody { _ in throw InjectedConnectionBreak() })
        }
    }
}
