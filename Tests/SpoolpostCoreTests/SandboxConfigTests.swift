import SpoolpostCore
import Testing

private func readConfig(_ yaml: String) -> (configuration: Configuration?, diagnostics: [String]) {
    let result = ConfigurationReader.read(TestTree.parse(yaml), fileName: "spoolpost.yaml")
    return (result.configuration, result.diagnostics.map(\.description))
}

@Suite struct SandboxConfigTests {
    @Test func noSandboxSectionMeansNoFaults() throws {
        let configuration = try #require(readConfig("workers: 2\n").configuration)
        #expect(configuration.sandbox == SandboxSettings())
        let empty = try #require(readConfig("sandbox:\n").configuration)
        #expect(empty.sandbox.faults.isEmpty)
        let noList = try #require(readConfig("sandbox:\n  faults:\n").configuration)
        #expect(noList.sandbox.faults.isEmpty)
    }

    @Test func readsEveryFaultKindInOrder() throws {
        let result = readConfig("""
            sandbox:
              faults:
                - path: /graph.facebook.com/
                  method: post
                  skip: 1
                  count: 2
                  fault: rate_limited
                  retry_after: 30s
                - path: /webhook/
                  count: 1
                  fault: rate_limited
                - path: /api.x.com/2/tweets
                  count: all
                  fault: unavailable
                  retry_after: 2
                - path: /api.linkedin.com/
                  count: 3
                  fault: server_error
                - path: /www.googleapis.com/
                  count: 1
                  fault: status
                  status: 502
                  retry_after: 1m
                - path: /graph.threads.net/
                  count: 1
                  fault: timeout
                - path: /webhook/slow
                  count: 1
                  fault: timeout
                  seconds: 45
                - path: /webhook/a
                  count: 1
                  fault: reset
                - path: /webhook/b
                  method: POST
                  count: 1
                  fault: reset_after_handling
                - path: /webhook/c
                  count: 4
                  fault: delay
                  seconds: 500ms
            """)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let faults = try #require(result.configuration).sandbox.faults
        #expect(faults == [
            SandboxFaultSetting(
                pathPrefix: "/graph.facebook.com/", method: "POST", skip: 1, count: 2,
                fault: .rateLimited(retryAfter: 30)),
            SandboxFaultSetting(pathPrefix: "/webhook/", count: 1, fault: .rateLimited(retryAfter: nil)),
            SandboxFaultSetting(pathPrefix: "/api.x.com/2/tweets", count: nil, fault: .unavailable(retryAfter: 2)),
            SandboxFaultSetting(pathPrefix: "/api.linkedin.com/", count: 3, fault: .serverError(retryAfter: nil)),
            SandboxFaultSetting(pathPrefix: "/www.googleapis.com/", count: 1, fault: .status(502, retryAfter: 60)),
            // The default hold outlasts the longest request timeout spoolpost sets (900 s, a YouTube chunk).
            SandboxFaultSetting(pathPrefix: "/graph.threads.net/", count: 1, fault: .timeout(seconds: 1000)),
            SandboxFaultSetting(pathPrefix: "/webhook/slow", count: 1, fault: .timeout(seconds: 45)),
            SandboxFaultSetting(pathPrefix: "/webhook/a", count: 1, fault: .reset),
            SandboxFaultSetting(pathPrefix: "/webhook/b", method: "POST", count: 1, fault: .resetAfterHandling),
            SandboxFaultSetting(pathPrefix: "/webhook/c", count: 4, fault: .delay(seconds: 0.5)),
        ])
    }

    @Test func wrongKeysAndValuesAreReportedWithLineAndColumn() {
        let result = readConfig("""
            sandbox:
              faults:
                - path: graph.facebook.com
                  method: "PO ST"
                  skip: -1
                  count: 0
                  fault: rate_limitd
                - path: /webhook/?x=1
                  count: some
                  fault: reset
                  retry_after: 5
                  seconds: 3
                - path: /webhook/
                  count: 1
                  fault: status
                  status: 200
                - path: /webhook/
                  count: 1
                  fault: delay
                - count: 1
                  fault: rate_limited
                  retry_after: 1.5
                  colour: red
                - path: /webhook/
                  fault: delay
                  seconds: 2d
                - just a string
            """)
        #expect(result.configuration == nil)
        let expected = [
            "spoolpost.yaml:3:13: sandbox.faults[0].path: 'graph.facebook.com' must start with '/': it is matched "
                + "against request paths on the sandbox, such as /graph.facebook.com/v21.0/sandbox-page/feed",
            "spoolpost.yaml:4:15: sandbox.faults[0].method: 'PO ST' is not an HTTP method; write one such as GET, "
                + "POST, PUT or DELETE",
            "spoolpost.yaml:5:13: sandbox.faults[0].skip: expected a whole number from 0 to 1000000, found -1",
            "spoolpost.yaml:6:14: sandbox.faults[0].count: expected a whole number from 1 to 1000000, found 0",
            "spoolpost.yaml:7:14: sandbox.faults[0].fault: unknown fault 'rate_limitd'; did you mean 'rate_limited'?",
            "spoolpost.yaml:8:13: sandbox.faults[1].path: '/webhook/?x=1' contains '?': only the path is matched "
                + "(no query, fragment or spaces)",
            "spoolpost.yaml:9:14: sandbox.faults[1].count: expected a whole number from 1 to 1000000, or all, "
                + "found the text 'some'",
            "spoolpost.yaml:11:7: sandbox.faults[1].retry_after: `retry_after` does not apply to fault: reset; it is "
                + "for rate_limited, unavailable, server_error, status",
            "spoolpost.yaml:12:7: sandbox.faults[1].seconds: `seconds` does not apply to fault: reset; it is for "
                + "timeout, delay",
            "spoolpost.yaml:16:15: sandbox.faults[2].status: expected a whole number from 400 to 599, found 200",
            "spoolpost.yaml:19:14: sandbox.faults[3].seconds: fault: delay needs `seconds:`, how long to wait before "
                + "answering (such as 5 or 500ms)",
            "spoolpost.yaml:20:7: sandbox.faults[4].path: a fault needs `path:`, the request path prefix it applies "
                + "to, such as /graph.facebook.com/ or /webhook/",
            "spoolpost.yaml:22:20: sandbox.faults[4].retry_after: must be a whole number of seconds from 0 to 7d, as "
                + "Retry-After carries it",
            "spoolpost.yaml:23:7: sandbox.faults[4].colour: unknown field 'colour'; accepted fields: path, method, "
                + "skip, count, fault, status, retry_after, seconds",
            "spoolpost.yaml:24:7: sandbox.faults[5].count: a fault needs `count:`, how many matching requests get "
                + "it (a number, or all)",
            "spoolpost.yaml:26:16: sandbox.faults[5].seconds: 2 days is too long; at most 1 day (86400s)",
            "spoolpost.yaml:27:7: sandbox.faults[6]: expected a mapping with path:, count:, fault: and the fault's "
                + "settings, found the text 'just a string'",
        ]
        #expect(result.diagnostics == expected)
    }

    @Test func missingFaultAndStatusAreNamed() {
        let result = readConfig("""
            sandbox:
              faults:
                - path: /webhook/
                  count: 1
                - path: /webhook/
                  count: 1
                  fault: status
            """)
        #expect(result.configuration == nil)
        #expect(result.diagnostics == [
            "spoolpost.yaml:3:7: sandbox.faults[0].fault: a fault needs `fault:`, one of rate_limited, unavailable, "
                + "server_error, status, timeout, reset, reset_after_handling, delay",
            "spoolpost.yaml:7:14: sandbox.faults[1].status: fault: status needs `status:`, an HTTP status from 400 "
                + "to 599 such as 502",
        ])
    }

    @Test func sectionShapesAreChecked() {
        let notAMapping = readConfig("sandbox: true\n")
        #expect(notAMapping.configuration == nil)
        #expect(notAMapping.diagnostics == [
            "spoolpost.yaml:1:10: sandbox: expected a mapping with faults: (a list of injected failures), found the "
                + "boolean true",
        ])
        let unknown = readConfig("sandbox:\n  fault:\n    - path: /\n")
        #expect(unknown.diagnostics == [
            "spoolpost.yaml:2:3: sandbox.fault: unknown field 'fault'; did you mean 'faults'?",
        ])
        let notAList = readConfig("sandbox:\n  faults: rate_limited\n")
        #expect(notAList.diagnostics == [
            "spoolpost.yaml:2:11: sandbox.faults: expected a list of faults, each a mapping with path:, count: and "
                + "fault:, found the text 'rate_limited'",
        ])
    }
}
