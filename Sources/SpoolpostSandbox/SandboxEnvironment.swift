import Synchronization

/// What every simulator shares: the configuration, the store of received posts, and the server's address.
final class SandboxEnvironment: Sendable {
    let configuration: SandboxConfiguration
    let store: SandboxStore
    private let listeningPort = Mutex<Int?>(nil)

    init(configuration: SandboxConfiguration, store: SandboxStore) {
        self.configuration = configuration
        self.store = store
    }

    func setListeningPort(_ port: Int) {
        listeningPort.withLock { $0 = port }
    }

    /// `http://host:port` as a client on this machine reaches the server.
    var baseURL: String {
        let port = listeningPort.withLock { $0 } ?? configuration.port
        var host = configuration.host
        if host == "0.0.0.0" || host.isEmpty { host = "127.0.0.1" }
        if host == "::" { host = "::1" }
        if host.contains(":") { host = "[" + host + "]" }
        return "http://\(host):\(port)"
    }

    /// Where the sandbox shows a received post.
    func postURL(id: String) -> String {
        baseURL + "/posts/" + id
    }
}
