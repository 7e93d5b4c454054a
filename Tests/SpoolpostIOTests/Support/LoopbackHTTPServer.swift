import Dispatch
import Foundation
import Glibc
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SpoolpostTestSupport
import Synchronization

/// A Hummingbird server on 127.0.0.1 with an ephemeral port, for testing the HTTP client against a real server.
///
/// Routes: `/echo` (any common method: body echoed, `X-Method` and `X-Body-Length` headers),
/// `/headers` (request headers listed in the body as `name: value` lines, and two `Set-Cookie` values),
/// `/status/{code}`, `/bytes/{count}` (that many bytes of a fixed pattern).
final class LoopbackHTTPServer: Sendable {
    let port: Int
    private let task: Task<Void, any Error>
    private let log: LoopbackTrafficLog

    var baseURL: String { "http://127.0.0.1:\(port)" }
    /// Distinct client-side ports seen, i.e. TCP connections that carried at least one request.
    var connectionCount: Int { log.connectionCount }
    var requestCount: Int { log.requestCount }

    /// Runs `body` with a fresh server and stops the server afterwards.
    static func with<T>(_ body: (LoopbackHTTPServer) async throws -> T) async throws -> T {
        let server = try await LoopbackHTTPServer()
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    private init() async throws {
        let log = LoopbackTrafficLog()
        let router = Router(context: ConnectionTrackingContext.self)
        router.middlewares.add(CountingMiddleware(log: log))
        for method in [HTTPRequest.Method.get, .post, .put, .delete, .patch, .head, .options] {
            router.on("/echo", method: method) { request, _ -> Response in
                var request = request
                let body = try await request.collectBody(upTo: 64 * 1024 * 1024)
                var headers = HTTPFields()
                headers[HTTPField.Name("X-Method")!] = request.method.rawValue
                headers[HTTPField.Name("X-Body-Length")!] = String(body.readableBytes)
                return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
            }
        }
        router.get("/headers") { request, _ -> Response in
            let listing = request.headers.map { "\($0.name.canonicalName): \($0.value)\n" }.joined()
            var headers = HTTPFields()
            headers.append(HTTPField(name: .setCookie, value: "first=1"))
            headers.append(HTTPField(name: .setCookie, value: "second=2"))
            headers.append(HTTPField(name: HTTPField.Name("X-Mixed-Case")!, value: "Value"))
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: listing)))
        }
        router.get("/status/{code}") { _, context -> Response in
            let code = try context.parameters.require("code", as: Int.self)
            return Response(
                status: .init(code: code), body: .init(byteBuffer: ByteBuffer(string: "status \(code)")))
        }
        router.get("/bytes/{count}") { _, context -> Response in
            let count = try context.parameters.require("count", as: Int.self)
            let bytes = TestBytes.pattern(count, seed: 31)
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }

        let boundPort = BoundPort()
        var logger = Logger(label: "LoopbackHTTPServer")
        logger.logLevel = .critical
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in
                boundPort.set(channel.localAddress?.port)
            },
            logger: logger
        )
        let task = Task { try await app.run() }
        var port: Int?
        for _ in 0..<3000 {
            port = boundPort.value
            if port != nil { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        guard let port else {
            task.cancel()
            throw LoopbackServerError(message: "Hummingbird did not start within 30 seconds")
        }
        self.port = port
        self.task = task
        self.log = log
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }
}

struct LoopbackServerError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

struct ConnectionTrackingContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let clientPort: Int?

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientPort = source.channel.remoteAddress?.port
    }
}

/// What the server has seen, shared between its handlers and the test.
final class LoopbackTrafficLog: Sendable {
    private let state = Mutex((clientPorts: Set<Int>(), requests: 0))

    func record(clientPort: Int?) {
        state.withLock { state in
            state.requests += 1
            if let clientPort { state.clientPorts.insert(clientPort) }
        }
    }

    var connectionCount: Int { state.withLock { $0.clientPorts.count } }
    var requestCount: Int { state.withLock { $0.requests } }
}

private struct CountingMiddleware: RouterMiddleware {
    typealias Context = ConnectionTrackingContext
    let log: LoopbackTrafficLog

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        log.record(clientPort: context.clientPort)
        return try await next(request, context)
    }
}

private final class BoundPort: Sendable {
    private let port = Mutex<Int?>(nil)
    func set(_ value: Int?) { port.withLock { $0 = value } }
    var value: Int? { port.withLock { $0 } }
}

/// A bare TCP server on 127.0.0.1 that misbehaves on purpose, for failures Hummingbird cannot produce.
/// Each connection is served on its own thread: it reads one request head, then acts out `behavior`.
final class RawLoopbackServer: @unchecked Sendable {
    enum Behavior: Sendable {
        /// Close the connection without answering.
        case closeAfterRequest
        /// Never answer; keep the connection open until the client gives up or the server stops.
        case hang
        /// Write these bytes, then close once the client has.
        case respond([UInt8])
    }

    let port: Int
    private let behavior: Behavior
    private let listener: Int32
    private let state = Mutex((clients: Set<Int32>(), requests: 0, stopping: false))
    private let acceptLoopEnded = DispatchSemaphore(value: 0)

    var baseURL: String { "http://127.0.0.1:\(port)" }
    /// Request heads read completely so far.
    var requestCount: Int { state.withLock { $0.requests } }

    init(behavior: Behavior) throws {
        self.behavior = behavior
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw LoopbackServerError(message: "socket() failed: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listener, 128) == 0 else {
            close(listener)
            throw LoopbackServerError(message: "bind/listen failed: errno \(errno)")
        }
        self.listener = listener
        port = Self.localPort(of: listener)
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Stops accepting, disconnects every client and waits for the accept thread to end.
    func stop() {
        let clients = state.withLock { state in
            state.stopping = true
            return state.clients
        }
        Glibc.shutdown(listener, Int32(SHUT_RDWR))
        for client in clients {
            Glibc.shutdown(client, Int32(SHUT_RDWR))
        }
        acceptLoopEnded.wait()
        close(listener)
    }

    /// A port on which nothing listens while `body` runs: the socket is bound but not listening, so connecting is
    /// refused and no other process can take the port meanwhile.
    static func withRefusingPort<T>(_ body: (Int) async throws -> T) async throws -> T {
        let socketFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socketFD >= 0 else { throw LoopbackServerError(message: "socket() failed: errno \(errno)") }
        defer { close(socketFD) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socketFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw LoopbackServerError(message: "bind failed: errno \(errno)") }
        return try await body(localPort(of: socketFD))
    }

    private static func localPort(of socketFD: Int32) -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socketFD, $0, &length) }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR { continue }
                break
            }
            let admitted = state.withLock { state in
                guard !state.stopping else { return false }
                state.clients.insert(client)
                return true
            }
            guard admitted else {
                close(client)
                break
            }
            let thread = Thread { [self] in serve(client) }
            thread.start()
        }
        acceptLoopEnded.signal()
    }

    private func serve(_ client: Int32) {
        defer {
            state.withLock { _ = $0.clients.remove(client) }
            close(client)
        }
        guard readRequestHead(client) else { return }
        state.withLock { $0.requests += 1 }
        switch behavior {
        case .closeAfterRequest:
            return
        case .hang:
            drain(client)
        case .respond(let bytes):
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { send(client, $0.baseAddress, $0.count, 0) }
                if written <= 0 { return }
                offset += written
            }
            Glibc.shutdown(client, Int32(SHUT_WR))
            drain(client)
        }
    }

    /// Reads until the blank line that ends a request head; false if the connection ended first.
    private func readRequestHead(_ client: Int32) -> Bool {
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let terminator: [UInt8] = Array("\r\n\r\n".utf8)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return false }
            received.append(contentsOf: buffer[0..<count])
            if received.count >= 4 && received.indices.dropLast(3).contains(where: {
                received[$0..<$0 + 4].elementsEqual(terminator)
            }) {
                return true
            }
        }
    }

    /// Reads and discards until the peer closes or the server shuts the socket down.
    private func drain(_ client: Int32) {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return }
        }
    }
}
