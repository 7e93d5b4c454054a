import SpoolpostCore
import Testing

private func readConfig(_ yaml: String) -> (configuration: Configuration?, diagnostics: [Diagnostic]) {
    ConfigurationReader.read(TestTree.parse(yaml), fileName: "spoolpost.yaml")
}

private func descriptions(_ diagnostics: [Diagnostic]) -> [String] { diagnostics.map(\.description) }

@Suite struct ConfigReaderTests {
    @Test func emptyDocumentIsTheDefaults() throws {
        let result = ConfigurationReader.read(nil, fileName: "spoolpost.yaml")
        #expect(result.diagnostics.isEmpty)
        let configuration = try #require(result.configuration)
        #expect(configuration.spoolPath == "spool")
        #expect(configuration.workers == 5)
        #expect(configuration.retry == RetryPolicy(maxAttempts: 4, baseDelay: 2, maxDelay: 3600))
        #expect(configuration.schedule == SchedulePolicy(maxAhead: 365 * 86_400, lateGrace: 300, rejectLate: false))
        #expect(configuration.timeZone == nil)
        #expect(configuration.delivery == .atMostOnce)
        #expect(configuration.accounts.isEmpty)
        #expect(Configuration.defaults.accounts.isEmpty)
    }

    @Test func readsEverySetting() throws {
        let result = readConfig("""
            spool: /var/spool/spoolpost
            workers: 12
            timezone: Europe/Paris
            delivery: at-least-once
            retry:
              max_attempts: 6
              base_delay: 500ms
              max_delay: 1h30m
            schedule:
              max_ahead: 30d
              late_grace: 90
              reject_late: yes
            accounts:
              hooks:
                platform: webhook
                url: https://hooks.example.com/in
                credentials: /etc/spoolpost/hooks.secret
              acme-page:
                platform: Facebook
                page_id: 1234567890
              acme_x:
                platform: twitter
            """)
        #expect(result.diagnostics.isEmpty, "\(descriptions(result.diagnostics))")
        let configuration = try #require(result.configuration)
        #expect(configuration.spoolPath == "/var/spool/spoolpost")
        #expect(configuration.workers == 12)
        #expect(configuration.timeZone == "Europe/Paris")
        #expect(configuration.delivery == .atLeastOnce)
        #expect(configuration.retry == RetryPolicy(maxAttempts: 6, baseDelay: 0.5, maxDelay: 5400))
        #expect(configuration.schedule == SchedulePolicy(maxAhead: 30 * 86_400, lateGrace: 90, rejectLate: true))
        let hooks = try #require(configuration.accounts["hooks"])
        #expect(hooks.platform == .webhook)
        #expect(hooks.credentialsPath == "/etc/spoolpost/hooks.secret")
        #expect(hooks.string("url") == "https://hooks.example.com/in")
        #expect(hooks.settings["credentials"] == nil)
        #expect(hooks.mark == SourceMark(line: 15, column: 5))
        #expect(configuration.accounts["acme-page"]?.platform == .facebook)
        #expect(configuration.accounts["acme-page"]?.string("page_id") == "1234567890")
        #expect(configuration.accounts["acme_x"]?.platform == .x)
        #expect(configuration.accountPlatforms == ["hooks": .webhook, "acme-page": .facebook, "acme_x": .x])
    }

    @Test func unknownTopLevelKeySuggestsTheClosest() {
        let result = readConfig("""
            workrs: 3
            colour: blue
            """)
        #expect(result.configuration == nil)
        #expect(descriptions(result.diagnostics) == [
            "spoolpost.yaml:1:1: workrs: unknown field 'workrs'; did you mean 'workers'?",
            "spoolpost.yaml:2:1: colour: unknown field 'colour'; accepted fields: spool, workers, timezone, delivery, "
                + "retry, schedule, accounts, storage, media, sandbox",
        ])
    }

    @Test func reportsEveryBadTypeAndRange() {
        let result = readConfig("""
            spool: [a, b]
            workers: 0
            timezone: Mars/Olympus
            delivery: exactly-once
            retry:
              max_attempts: "3"
              base_delay: soon
              max_delay: 0s
              maxdelay: 5
            schedule:
              late_grace: -1s
              reject_late: maybe
            accounts: [hooks]
            """)
        #expect(result.configuration == nil)
        #expect(descriptions(result.diagnostics) == [
            "spoolpost.yaml:1:8: spool: expected a directory path, found a list",
            "spoolpost.yaml:2:10: workers: expected a whole number from 1 to 256, found 0",
            "spoolpost.yaml:3:11: timezone: unknown time zone 'Mars/Olympus': use an IANA name such as Europe/Paris, "
                + "America/New_York or UTC",
            "spoolpost.yaml:4:11: delivery: unknown delivery guarantee 'exactly-once'; expected at-most-once or "
                + "at-least-once",
            "spoolpost.yaml:6:17: retry.max_attempts: expected a whole number from 1 to 100, found the text '3'",
            "spoolpost.yaml:7:15: retry.base_delay: expected a duration such as 30 (seconds), 500ms, 2s, 5m, 1h30m "
                + "or 7d, found the text 'soon'",
            "spoolpost.yaml:8:14: retry.max_delay: must be longer than zero",
            "spoolpost.yaml:9:3: retry.maxdelay: unknown field 'maxdelay'; did you mean 'max_delay'?",
            "spoolpost.yaml:11:15: schedule.late_grace: expected a duration such as 30 (seconds), 500ms, 2s, 5m, "
                + "1h30m or 7d, found the text '-1s'",
            "spoolpost.yaml:12:16: schedule.reject_late: expected true or false, found the text 'maybe'",
            "spoolpost.yaml:13:11: accounts: expected a mapping of account names to their settings, found a list",
        ])
    }

    @Test func maxDelayMustNotBeShorterThanBaseDelay() {
        let result = readConfig("""
            retry:
              base_delay: 1m
              max_delay: 10s
            """)
        #expect(result.configuration == nil)
        #expect(descriptions(result.diagnostics) == [
            "spoolpost.yaml:3:14: retry.max_delay: max_delay (10s) is shorter than base_delay (60s); it must be "
                + "at least as long",
        ])
    }

    @Test func rootMustBeAMapping() {
        let result = readConfig("- spool")
        #expect(result.configuration == nil)
        #expect(descriptions(result.diagnostics) == [
            "spoolpost.yaml:1:1: expected a mapping of settings (spool, workers, timezone, delivery, retry, schedule, "
                + "accounts, storage, media, sandbox), found a list",
        ])
    }

    @Test func reportsBadAccounts() {
        let result = readConfig("""
            accounts:
              hooks:
                platform: webhok
              bad@name:
                platform: x
              noplatform:
                url: https://example.com
              lists: [1]
              ok:
                platform: linkedin
                credentials: {}
            """)
        #expect(result.configuration == nil)
        #expect(descriptions(result.diagnostics) == [
            "spoolpost.yaml:3:15: accounts.hooks.platform: unknown platform 'webhok'; did you mean 'webhook'? "
                + "Accepted platforms: webhook, facebook, instagram, threads, linkedin, x, youtube",
            "spoolpost.yaml:4:3: accounts.bad@name: invalid account name 'bad@name': use only letters, digits, '.', "
                + "'_' and '-'",
            "spoolpost.yaml:7:5: accounts.noplatform: account 'noplatform' has no platform: add `platform:` (one of "
                + "webhook, facebook, instagram, threads, linkedin, x, youtube)",
            "spoolpost.yaml:8:10: accounts.lists: expected a mapping with platform: and the account's settings, "
                + "found a list",
            "spoolpost.yaml:11:18: accounts.ok.credentials: expected a file path, found a mapping",
        ])
    }

    @Test(arguments: [
        "secret", "token", "access_token", "refresh_token", "client_secret", "password", "api_key", "consumer_secret",
        "token_secret", "accessToken", "API-KEY", "verify_token",
    ])
    func refusesInlineSecrets(_ key: String) {
        let result = readConfig("""
            accounts:
              acme:
                platform: linkedin
                \(key): abc123
            """)
        #expect(result.configuration == nil)
        #expect(descriptions(result.diagnostics) == [
            "spoolpost.yaml:4:5: accounts.acme.\(key): secrets are never inline: put it in a credentials file "
                + "(mode 0600) and name it with credentials:",
        ])
        #expect(!result.diagnostics[0].description.contains("abc123"))
    }

    @Test func accountNamesAreUnique() {
        let result = readConfig("""
            accounts:
              hooks:
                platform: webhook
              hooks:
                platform: webhook
            """)
        #expect(result.configuration == nil)
        #expect(descriptions(result.diagnostics) == [
            "spoolpost.yaml:4:3: accounts.hooks: duplicate account 'hooks' (first given at 2:3): names must be unique",
        ])
    }

    @Test func durationsAcceptPlainSeconds() throws {
        let result = readConfig("""
            retry:
              base_delay: 3
              max_delay: 120
            schedule:
              max_ahead: 2h
              late_grace: 0
            """)
        let configuration = try #require(result.configuration)
        #expect(configuration.retry.baseDelay == 3)
        #expect(configuration.retry.maxDelay == 120)
        #expect(configuration.schedule.maxAhead == 7200)
        #expect(configuration.schedule.lateGrace == 0)
    }

    @Test func nullAccountsMeansNone() throws {
        let result = readConfig("""
            accounts:
            workers: 1
            """)
        let configuration = try #require(result.configuration)
        #expect(configuration.accounts.isEmpty)
        #expect(configuration.workers == 1)
    }
}

@Suite struct ConfigRetryPolicyTests {
    @Test func backoffDoublesUpToTheCap() {
        let policy = RetryPolicy(maxAttempts: 10, baseDelay: 2, maxDelay: 30)
        #expect(policy.delay(beforeAttempt: 1, retryAfter: nil) == 0)
        #expect(policy.delay(beforeAttempt: 2, retryAfter: nil) == 2)
        #expect(policy.delay(beforeAttempt: 3, retryAfter: nil) == 4)
        #expect(policy.delay(beforeAttempt: 4, retryAfter: nil) == 8)
        #expect(policy.delay(beforeAttempt: 5, retryAfter: nil) == 16)
        #expect(policy.delay(beforeAttempt: 6, retryAfter: nil) == 30)
        #expect(policy.delay(beforeAttempt: 500, retryAfter: nil) == 30)
    }

    @Test func retryAfterWinsWhenLongerAndIsCappedAtADay() {
        let policy = RetryPolicy()
        #expect(policy.delay(beforeAttempt: 2, retryAfter: 1) == 2)
        #expect(policy.delay(beforeAttempt: 2, retryAfter: 120) == 120)
        #expect(policy.delay(beforeAttempt: 2, retryAfter: 7200) == 7200)
        #expect(policy.delay(beforeAttempt: 2, retryAfter: 10 * 86_400) == 86_400)
        #expect(policy.delay(beforeAttempt: 3, retryAfter: -5) == 4)
    }

    @Test func attemptsAreBudgeted() {
        let policy = RetryPolicy()
        #expect(policy.maxAttempts == 4)
        #expect(!policy.allowsAttempt(0))
        #expect(policy.allowsAttempt(1))
        #expect(policy.allowsAttempt(4))
        #expect(!policy.allowsAttempt(5))
    }
}
