import SpoolpostCore
import ArgumentParser
import Foundation
import SpoolpostIO

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a spool (its state folders), a commented sample config and a sample manifest.",
        discussion: "Existing files are never overwritten."
    )

    @Argument(help: "The folder to set up (default: the current one).")
    var directory: String = "."

    func run() throws {
        let root = (directory as NSString).appendingPathComponent("spool")
        do {
            _ = try SpoolDirectory(root: root, create: true)
        } catch {
            throw CLIError("spool \(root): \(error)")
        }
        print("spool ready: \(root)/{pending,scheduled,publishing,done,failed,media}")
        try write(SampleFiles.config, to: (directory as NSString).appendingPathComponent("spoolpost.yaml"))
        try write(SampleFiles.manifest, to: (directory as NSString).appendingPathComponent("example-post.yaml"))
        print("""
            next: edit spoolpost.yaml (or remove it to use the built-in sandbox), then
              spoolpost run                                   # the daemon, in the foreground
              cp example-post.yaml spool/pending/             # or: spoolpost submit example-post.yaml
            """)
    }

    private func write(_ text: String, to path: String) throws {
        if FileManager.default.fileExists(atPath: path) {
            print("kept existing \(path)")
            return
        }
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else {
            throw CLIError("cannot write \(path)")
        }
        print("wrote \(path)")
    }
}

enum SampleFiles {
    static let config = """
        # spoolpost configuration. Without this file, `spoolpost run` uses the built-in sandbox.
        spool: spool                 # the spool folder, relative to this file
        workers: 5                   # posts published at once (each post's targets go out in parallel)
        timezone: Europe/Paris       # for schedule_at values without an offset (IANA name)
        delivery: at-most-once       # or at-least-once: re-send a request cut off by a crash
        retry:
          max_attempts: 4            # attempts in all, the first included
          base_delay: 2s             # then 4s, 8s, ... (Retry-After is honoured)
          max_delay: 1h
        schedule:
          max_ahead: 365d            # refuse schedule_at further ahead than this
          late_grace: 5m             # a post this late is published silently; later, with a warning
          reject_late: false         # true: refuse a post later than late_grace instead
        accounts:
          hooks:
            platform: webhook
            url: http://127.0.0.1:8088/webhook/hooks   # `spoolpost sandbox` listens there
            # credentials: secrets/hooks.yaml          # mode 0600, holding `secret: ...` to sign requests
          # The networks (README, "The networks", says how to get each token). Credentials files are mode 0600;
          # refreshed tokens are written back to them.
          # acme-page:
          #   platform: facebook
          #   page_id: "1234567890"
          #   credentials: secrets/facebook.yaml     # access_token (a Page token); client_id, client_secret
          # acme-insta:
          #   platform: instagram
          #   user_id: "17841400000000000"           # the professional account's id
          #   login: facebook                        # or instagram (Instagram Login tokens)
          #   credentials: secrets/instagram.yaml
          # acme-threads:
          #   platform: threads
          #   user_id: "1234567890"
          #   credentials: secrets/threads.yaml      # access_token, expires_at
          # acme-linkedin:
          #   platform: linkedin
          #   author: urn:li:organization:1234567    # or urn:li:person:...
          #   credentials: secrets/linkedin.yaml     # access_token; refresh_token, client_id, client_secret
          # acme-x:
          #   platform: x
          #   credentials: secrets/x.yaml            # OAuth 2.0 tokens, or OAuth 1.0a consumer_key/... keys
          # acme-youtube:
          #   platform: youtube
          #   credentials: secrets/youtube.yaml      # access_token, refresh_token, client_id, client_secret
        # storage:                     # without it, media goes to the embedded store under spool/store/
        #   bucket: acme-media
        #   service_account_key: secrets/gcs-service-account.json
        # sandbox:                     # faults the built-in sandbox injects (used when no accounts are set)
        #   faults:
        #     - {path: /webhook/, count: 2, fault: rate_limited, retry_after: 5s}
        """ + "\n"

    static let manifest = """
        # A post. Copy it into spool/pending/ (or run `spoolpost submit`) to publish it.
        id: hello-spoolpost
        text: "Hello from spoolpost!"
        # schedule_at: 2026-12-01T09:00:00+01:00
        targets:
          - platform: webhook
            account: hooks
        """ + "\n"
}
