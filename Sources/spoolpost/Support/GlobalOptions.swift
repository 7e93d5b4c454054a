import ArgumentParser

/// Options shared by the commands that read the config and the spool.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The config file (default: ./spoolpost.yaml; without it, the built-in sandbox).")
    var config: String?

    @Option(name: .long, help: "The spool folder (overrides the config's `spool:`).")
    var spool: String?

    @Option(name: .long, help: "Log format: text or json.")
    var logFormat: LogFormat = .text

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"
}

enum LogFormat: String, ExpressibleByArgument, Sendable {
    case text, json
}
