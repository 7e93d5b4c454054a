import SpoolpostAdapters
import SpoolpostCore
import SpoolpostEngine
import SpoolpostIO
import Testing

@Suite struct PlanRecorderTests {
    private func recorder() -> PlanRecorder {
        var rebasing = URLRebasing()
        rebasing.map("http://127.0.0.1:7/graph.facebook.com/v21.0", to: "https://graph.facebook.com/v21.0")
        return PlanRecorder(rebasing: rebasing)
    }

    private func ok(_ status: Int = 200) -> Result<HTTPResponse, HTTPClientError> {
        .success(HTTPResponse(status: status, headers: [], body: []))
    }

    private func requests(_ entries: [PlanEntry]) -> [PlannedRequest] {
        entries.compactMap { if case .request(let request) = $0 { request } else { nil } }
    }

    @Test func aFormRequestIsShownWithRealURLsAndNoSecrets() throws {
        let recorder = recorder()
        recorder.begin(section: "t")
        recorder.observe(HTTPRequest(
            method: "POST", url: "http://127.0.0.1:7/graph.facebook.com/v21.0/42/photos?access_token=EAAsecret&fields=id",
            headers: [
                HTTPHeader(name: "Authorization", value: "Bearer EAAsecret"),
                HTTPHeader(name: "Content-Type", value: "application/x-www-form-urlencoded"),
            ],
            body: .bytes(Array("url=http%3A%2F%2F127.0.0.1%3A7%2Fgraph.facebook.com%2Fv21.0%2Fx%3FX-Goog-Signature%3Dab&published=false&caption=a+b".utf8))),
            ok())
        let request = try #require(requests(recorder.entries(in: "t")).first)
        #expect(request.url == "https://graph.facebook.com/v21.0/42/photos")
        #expect(request.query.map(\.value) == ["‹redacted›", "id"])
        #expect(request.headers.first?.value == "Bearer ‹redacted›")
        #expect(request.body == [
            "url=https://graph.facebook.com/v21.0/x?X-Goog-Signature=‹redacted›", "published=false", "caption=a b",
        ])
        #expect(request.answer == "200")
        #expect(!"\(request)".contains("EAAsecret"))
    }

    @Test func jsonSecretsAreHiddenAndFilesAreSummarised() throws {
        let recorder = recorder()
        recorder.begin(section: "t")
        recorder.observe(HTTPRequest(
            method: "POST", url: "http://127.0.0.1:7/graph.facebook.com/v21.0/token",
            headers: [HTTPHeader(name: "Content-Type", value: "application/json; charset=utf-8")],
            body: .bytes(Array(#"{"refresh_token":"r1","nested":{"client_secret":"s"},"n":2}"#.utf8))), ok())
        recorder.observe(HTTPRequest(
            method: "PUT", url: "http://upload.example/v", body: .file(path: "/tmp/a/clip.mp4", offset: 4096, length: 100)),
            .failure(HTTPClientError(kind: .timedOut, message: "timed out after 30 s", requestMayHaveBeenSent: true)))
        let shown = requests(recorder.entries(in: "t"))
        #expect(shown.count == 2)
        #expect(shown[0].body == [#"{"n":2,"nested":{"client_secret":"‹redacted›"},"refresh_token":"‹redacted›"}"#])
        #expect(shown[1].body == ["100 bytes of clip.mp4 from byte 4096"])
        #expect(shown[1].answer == "no answer: timed out after 30 s")
    }

    @Test func identicalPollsCollapseAndStepsKeepTheirPlace() async throws {
        let recorder = recorder()
        recorder.begin(section: "t")
        let poll = HTTPRequest(url: "http://127.0.0.1:7/graph.facebook.com/v21.0/c1?fields=status_code")
        try await recorder.progress.record("container", "c1")
        recorder.observe(poll, ok())
        recorder.observe(poll, ok())
        recorder.observe(poll, ok())
        try await recorder.progress.beginPublicStep()
        recorder.observe(HTTPRequest(method: "POST", url: "http://127.0.0.1:7/graph.facebook.com/v21.0/u/media_publish"), ok())
        recorder.begin(section: "other")
        recorder.observe(poll, ok())
        let entries = recorder.entries(in: "t")
        #expect(entries.count == 4)
        #expect(entries[0] == .step(key: "container", value: "c1"))
        guard case .request(let polls) = entries[1] else { Issue.record("no poll entry"); return }
        #expect(polls.repeats == 3)
        #expect(entries[2] == .publicStepBegins)
        #expect(recorder.entries(in: "other").count == 1)
    }
}
