import SpoolpostCore
import Testing

private func readConfig(_ yaml: String) -> (configuration: Configuration?, diagnostics: [String]) {
    let result = ConfigurationReader.read(TestTree.parse(yaml), fileName: "spoolpost.yaml")
    return (result.configuration, result.diagnostics.map(\.description))
}

@Suite struct StorageConfigTests {
    @Test func absentStorageIsTheEmbeddedStoreWithDocumentedDefaults() throws {
        let configuration = try #require(readConfig("workers: 2\n").configuration)
        let storage = configuration.storage
        #expect(storage.usesEmbeddedStore)
        #expect(storage.effectiveBucket == "spoolpost-local")
        #expect(storage.credentials == nil)
        #expect(storage.readURLExpiry == 86_400)
        #expect(storage.uploadURLExpiry == 3600)
        #expect(storage.deleteURLExpiry == 3600)
        #expect(storage.resumableThreshold == 8 << 20)
        #expect(storage.chunkSize == 8 << 20)
        #expect(storage.retention == 30 * 86_400)
        #expect(storage.cleanupAt == TimeOfDay(hour: 2, minute: 0))
        #expect(storage.uploadURLRate == UploadURLRateLimit(limit: 60, window: 3600))
        #expect(storage.embeddedPort == 8089)
        #expect(configuration.mediaLimits == MediaLimits(maxImageBytes: 8 << 20, maxVideoBytes: 1 << 30))
    }

    @Test func readsEveryStorageAndMediaSetting() throws {
        let result = readConfig("""
            storage:
              bucket: acme-media
              service_account_key: keys/sa.json
              endpoint: http://127.0.0.1:4443
              url_style: virtual-hosted
              read_url_expiry: 2d
              upload_url_expiry: 30m
              delete_url_expiry: 600
              resumable_threshold: 16MiB
              chunk_size: 512KiB
              retention: 7d
              cleanup_at: "03:30"
              upload_url_rate: 10/minute
              embedded_port: 9000
            media:
              max_image_size: 5MB
              max_video_size: 512MiB
            """)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let configuration = try #require(result.configuration)
        let storage = configuration.storage
        #expect(storage.bucket == "acme-media")
        #expect(!storage.usesEmbeddedStore)
        #expect(storage.credentials == .serviceAccountKey(path: "keys/sa.json"))
        #expect(storage.endpoint == "http://127.0.0.1:4443")
        #expect(storage.urlStyle == .virtualHosted)
        #expect(storage.gcsURLStyle == .virtualHostedStyle)
        #expect(storage.readURLExpiry == 172_800)
        #expect(storage.uploadURLExpiry == 1800)
        #expect(storage.deleteURLExpiry == 600)
        #expect(storage.resumableThreshold == 16 << 20)
        #expect(storage.chunkSize == 512 << 10)
        #expect(storage.retention == 7 * 86_400)
        #expect(storage.cleanupAt == TimeOfDay(hour: 3, minute: 30))
        #expect(storage.uploadURLRate == UploadURLRateLimit(limit: 10, window: 60))
        #expect(storage.embeddedPort == 9000)
        #expect(configuration.mediaLimits == MediaLimits(maxImageBytes: 5_000_000, maxVideoBytes: 512 << 20))
    }

    @Test func hmacKeyAndBucketBoundHost() throws {
        let result = readConfig("""
            storage:
              bucket: media.example.com
              hmac_key: /etc/spoolpost/hmac.json
              bucket_host: media.example.com
              upload_url_rate: off
            """)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let storage = try #require(result.configuration).storage
        #expect(storage.credentials == .hmacKey(path: "/etc/spoolpost/hmac.json"))
        #expect(storage.urlStyle == .bucketBound)
        #expect(storage.gcsURLStyle == .bucketBoundHostname("media.example.com"))
        #expect(storage.uploadURLRate == nil)
    }

    @Test func storageWithoutBucketIsTheEmbeddedStore() throws {
        let result = readConfig("""
            storage:
              embedded_port: 8100
              retention: 1d
            """)
        #expect(result.diagnostics.isEmpty, "\(result.diagnostics)")
        let storage = try #require(result.configuration).storage
        #expect(storage.usesEmbeddedStore)
        #expect(storage.embeddedPort == 8100)
    }

    @Test func everyProblemIsPinnedToItsLineAndColumn() {
        let result = readConfig("""
            storage:
              bucket: Acme_Media
              service_account_key: sa.json
              hmac_key: hmac.json
              url_style: virtual-hostd
              read_url_expiry: 8d
              upload_url_expiry: 1.5s
              resumable_threshold: lots
              chunk_size: 300KiB
              retention: 0s
              cleanup_at: "25:00"
              upload_url_rate: 60/fortnight
              embedded_port: 70000
              bucket_hots: x
            media:
              max_image_size: 0
              max_gif_size: 1MiB
            """)
        #expect(result.configuration == nil)
        let expected = [
            "spoolpost.yaml:2:11: storage.bucket: invalid bucket name 'Acme_Media': use lowercase letters, digits, '-', '_' and '.'",
            "spoolpost.yaml:4:13: storage.hmac_key: give one key, service_account_key or hmac_key, not both",
            "spoolpost.yaml:5:14: storage.url_style: unknown URL style 'virtual-hostd'; did you mean 'virtual-hosted'?",
            "spoolpost.yaml:6:20: storage.read_url_expiry: 8 days is too long: signed URLs last at most 7 days (604800s)",
            "spoolpost.yaml:7:22: storage.upload_url_expiry: must be a whole number of seconds, at least 1s",
            "spoolpost.yaml:8:24: storage.resumable_threshold: expected a size such as 8MiB, 512KiB, 1GiB or a number of bytes, found the text 'lots'",
            "spoolpost.yaml:9:15: storage.chunk_size: 300 KiB is not a multiple of 256 KiB, as Cloud Storage requires for resumable chunks (for example 256KiB, 8MiB or 16MiB)",
            "spoolpost.yaml:10:14: storage.retention: must be longer than zero",
            "spoolpost.yaml:11:15: storage.cleanup_at: '25:00' is not a time of day; write HH:MM on a 24-hour clock, such as 02:00 or 23:30",
            "spoolpost.yaml:12:20: storage.upload_url_rate: '60/fortnight' is not a rate; expected a rate such as 60/hour, 10/minute or 500/day, or off",
            "spoolpost.yaml:13:18: storage.embedded_port: expected a whole number from 1 to 65535, found 70000",
            "spoolpost.yaml:14:3: storage.bucket_hots: unknown field 'bucket_hots'; did you mean 'bucket_host'?",
            "spoolpost.yaml:16:19: media.max_image_size: must be larger than zero",
            "spoolpost.yaml:17:3: media.max_gif_size: unknown field 'max_gif_size'; accepted fields: max_image_size, max_video_size",
        ]
        #expect(result.diagnostics == expected)
    }

    @Test func bucketNeedsExactlyOneKey() {
        let result = readConfig("storage:\n  bucket: acme-media\n")
        #expect(result.configuration == nil)
        #expect(result.diagnostics == [
            "spoolpost.yaml:2:11: storage.bucket: a bucket needs a key to sign URLs: add service_account_key: "
                + "(a service-account JSON key file) or hmac_key: (a JSON file with access_id and secret), each with mode 0600",
        ])
    }

    @Test func bucketSettingsWithoutABucketAreRefused() {
        let result = readConfig("""
            storage:
              hmac_key: hmac.json
              endpoint: localhost:4443
            """)
        #expect(result.configuration == nil)
        #expect(result.diagnostics == [
            "spoolpost.yaml:2:13: storage.hmac_key: hmac_key applies to a configured bucket; without `bucket:` the "
                + "embedded store is used with its own key (add `bucket:` or remove hmac_key)",
            "spoolpost.yaml:3:13: storage.endpoint: endpoint applies to a configured bucket; without `bucket:` the "
                + "embedded store is used with its own key (add `bucket:` or remove endpoint)",
        ])
    }

    @Test func urlStyleAndBucketHostMustAgree() {
        let missingHost = readConfig("""
            storage:
              bucket: acme-media
              hmac_key: k.json
              url_style: bucket-bound
            """)
        #expect(missingHost.diagnostics == [
            "spoolpost.yaml:4:14: storage.url_style: url_style: bucket-bound needs bucket_host: (the host name that serves the bucket)",
        ])
        let contradiction = readConfig("""
            storage:
              bucket: acme-media
              hmac_key: k.json
              url_style: path
              bucket_host: cdn.example.com
            """)
        #expect(contradiction.diagnostics == [
            "spoolpost.yaml:5:16: storage.bucket_host: bucket_host is used only with url_style: bucket-bound (url_style is path)",
        ])
        let badEndpoint = readConfig("""
            storage:
              bucket: acme-media
              hmac_key: k.json
              endpoint: https://storage.example.com/v1
            """)
        #expect(badEndpoint.diagnostics.count == 1)
        #expect(badEndpoint.diagnostics.first?.hasPrefix("spoolpost.yaml:4:13: storage.endpoint: ") == true)
    }

    @Test(arguments: [
        ("8MiB", Int64(8 << 20)), ("512KiB", Int64(512 << 10)), ("1GiB", Int64(1 << 30)), ("1234", Int64(1234)),
        ("5MB", Int64(5_000_000)), ("1.5MiB", Int64(3 << 19)), ("2 mib", Int64(2 << 20)), ("10B", Int64(10)),
    ])
    func sizesParse(text: String, bytes: Int64) {
        #expect(ByteSize.parse(text) == bytes)
    }

    @Test(arguments: ["", "MiB", "-1", "1.2.3MiB", "8 parsecs", "1.0000001KiB", ".5MiB", "99999999999999999999", "9999999TiB"])
    func otherSizesDoNot(text: String) {
        #expect(ByteSize.parse(text) == nil)
    }

    @Test func timesOfDay() {
        #expect(TimeOfDay.parse("02:00") == TimeOfDay(hour: 2, minute: 0))
        #expect(TimeOfDay.parse("7:05") == TimeOfDay(hour: 7, minute: 5))
        #expect(TimeOfDay.parse("23:59")?.description == "23:59")
        for text in ["24:00", "12:60", "1200", "12:5", "-1:00", "ab:cd", ""] {
            #expect(TimeOfDay.parse(text) == nil, "\(text)")
        }
    }
}
