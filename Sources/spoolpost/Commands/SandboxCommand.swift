import SpoolpostCore
import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals
import SpoolpostSandbox

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run the network sandbox alone, in the foreground.",
        discussion: """
            Simulates the six networks' APIs and a webhook receiver at /webhook/ACCOUNT, and shows what it received \
            at /. Injects the faults of the config's `sandbox:` section, counted from its start. Stops on SIGTERM \
            or SIGINT.
            """
    )

    @Option(name: .long, help: "The config file with the `sandbox:` faults (default: ./spoolpost.yaml if it exists).")
    var config: String?

    @Option(help: "The port to listen on (0 picks a free one).")
    var port: Int = 8088

    @Option(help: "The address to listen on.")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "Log format: text or json.")
    var logFormat: LogFormat = .text

    func run() async throws {
        LogSetup.bootstrap(format: logFormat, level: "info")
        let logger = Logger(label: "spoolpost.sandbox")
        let faults = SandboxFaults(settings: try LoadedConfiguration.readFile(config)?.configuration.sandbox ?? .init())
        let configuration = SandboxConfiguration(host: host, port: port, faults: faults)
        if !faults.rules.isEmpty {
            logger.notice(
                "injecting the config's faults, counted from the start", metadata: ["faults": "\(faults.rules.count)"])
        }
        let server = SandboxServer(configuration: configuration, logger: logger)
        let service = StartedServerService(running: Task { try await server.run() })
        let announce = Task {
            if let bound = try? await server.waitUntilListening() {
                // Unbuffered: scripts read this line from a pipe to learn the port.
                FileHandle.standardOutput.write(Data("sandbox listening on http://\(host):\(bound)/\n".utf8))
            }
        }
        defer { announce.cancel() }
        let group = ServiceGroup(
            configuration: .init(services: [.init(service: service)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
