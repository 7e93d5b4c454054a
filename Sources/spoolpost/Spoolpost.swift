import ArgumentParser

@main
struct Spoolpost: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spoolpost",
        abstract: "Publishes social-media posts from a spool directory.",
        discussion: """
            Drop YAML post manifests into spool/pending/. The daemon validates each one, holds it until its \
            schedule_at, publishes it to every target in parallel, and moves it through \
            pending/ → scheduled/ → publishing/ → done/ | failed/, with a status file beside it.
            With no config file, `run` starts a built-in sandbox that simulates the networks.
            """,
        subcommands: [
            InitCommand.self, RunCommand.self, SubmitCommand.self, ValidateCommand.self, PlanCommand.self, StatusCommand.self,
            RetryCommand.self, CancelCommand.self, SandboxCommand.self, SignCommand.self, UploadURLCommand.self,
            CleanupCommand.self, BenchSigningCommand.self,
        ]
    )
}
