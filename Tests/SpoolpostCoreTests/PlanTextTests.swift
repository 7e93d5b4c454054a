import SpoolpostCore
import Testing

@Suite struct PlanTextTests {
    @Test func credentialsKeepTheirSchemeAndSignaturesDisappear() {
        #expect(PlanRedaction.header(name: "Authorization", value: "Bearer abc.def") == "Bearer ‹redacted›")
        #expect(PlanRedaction.header(name: "authorization", value: "OAuth oauth_consumer_key=\"k\", oauth_signature=\"s\"")
            == "OAuth ‹redacted›")
        #expect(PlanRedaction.header(name: "Authorization", value: "opaque") == "‹redacted›")
        #expect(PlanRedaction.header(name: "X-Spoolpost-Signature", value: "sha256=00ff") == "‹redacted›")
        #expect(PlanRedaction.header(name: "X-Api-Key", value: "k") == "‹redacted›")
        #expect(PlanRedaction.header(name: "Idempotency-Key", value: "post-1:0") == "post-1:0")
        #expect(PlanRedaction.header(name: "Content-Type", value: "image/jpeg") == "image/jpeg")
    }

    @Test func secretParametersAreHiddenWhereverTheyAppear() {
        let signed = "url=https://storage.googleapis.com/b/o.jpg?X-Goog-Algorithm=GOOG4-RSA-SHA256"
            + "&X-Goog-Credential=sa%40p.iam&X-Goog-Signature=00aa11&published=false"
        #expect(PlanRedaction.text(signed) == "url=https://storage.googleapis.com/b/o.jpg?X-Goog-Algorithm=GOOG4-RSA-SHA256"
            + "&X-Goog-Credential=‹redacted›&X-Goog-Signature=‹redacted›&published=false")
        #expect(PlanRedaction.text("{\"u\":\"https://h/p?access_token=EAAB12\",\"n\":1}")
            == "{\"u\":\"https://h/p?access_token=‹redacted›\",\"n\":1}")
        #expect(PlanRedaction.text("grant_type=refresh_token&refresh_token=r1&client_secret=s") == "grant_type=refresh_token&refresh_token=‹redacted›&client_secret=‹redacted›")
        #expect(PlanRedaction.text("status_code=FINISHED&fields=id") == "status_code=FINISHED&fields=id")
        #expect(PlanRedaction.text("https://h/upload?uploadType=resumable&upload_id=ABC") == "https://h/upload?uploadType=resumable&upload_id=‹redacted›")
        #expect(PlanRedaction.text("a=b c=d") == "a=b c=d")
    }

    @Test func secretNamesIncludeEveryTokenAndSecret() {
        for name in ["access_token", "ACCESS_TOKEN", "fb_exchange_token", "client_secret", "token_secret", "X-Goog-Signature"] {
            #expect(PlanRedaction.isSecret(name: name), "\(name)")
        }
        for name in ["client_id", "media_type", "status_code", "grant_type", "X-Goog-Date"] {
            #expect(!PlanRedaction.isSecret(name: name), "\(name)")
        }
    }

    @Test func theLongestBaseWinsAndEveryOccurrenceIsRewritten() {
        var rebasing = URLRebasing()
        rebasing.map("http://127.0.0.1:9/api.x.com/2", to: "https://api.x.com/2")
        rebasing.map("http://127.0.0.1:9/api.x.com/2/oauth2/token", to: "https://auth.example/token")
        rebasing.map("http://127.0.0.1:9/", to: "https://")
        #expect(rebasing.apply("http://127.0.0.1:9/api.x.com/2/tweets") == "https://api.x.com/2/tweets")
        #expect(rebasing.apply("http://127.0.0.1:9/api.x.com/2/oauth2/token") == "https://auth.example/token")
        #expect(rebasing.apply("see http://127.0.0.1:9/x.com/i/1 and http://127.0.0.1:9/api.x.com/2/media")
            == "see https://x.com/i/1 and https://api.x.com/2/media")
        #expect(rebasing.apply("http://127.0.0.2:9/other") == "http://127.0.0.2:9/other")
        rebasing.map("http://127.0.0.1:9/", to: "https://again/")
        #expect(rebasing.apply("http://127.0.0.1:9/z") == "https://again/z")
    }

    @Test func everyStandInIsRecognisedAsItsOwnType() {
        for type in MediaType.allCases {
            #expect(MediaSniffer.detect(MediaStandIn.bytes(for: type)) == type)
        }
    }

    @Test func aBucketURLFollowsTheStyleAndEndpoint() throws {
        #expect(try GCSSigningRequest.bucketURL(bucket: "acme", style: .pathStyle) == "https://storage.googleapis.com/acme")
        #expect(try GCSSigningRequest.bucketURL(bucket: "acme", style: .virtualHostedStyle)
            == "https://acme.storage.googleapis.com")
        #expect(try GCSSigningRequest.bucketURL(
            bucket: "spoolpost-local", style: .pathStyle, scheme: "http", endpoint: "http://127.0.0.1:8089")
            == "http://127.0.0.1:8089/spoolpost-local")
        #expect(try GCSSigningRequest.bucketURL(bucket: "acme", style: .bucketBoundHostname("media.example.com"))
            == "https://media.example.com")
    }
}
