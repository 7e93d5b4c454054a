import SpoolpostCore
import Testing

@Suite struct ManifestMediaTests {
    private func mediaErrors(
        _ item: String, _ context: ManifestReader.Context = ManifestFixture.context()
    ) -> [String] {
        ManifestFixture.errors("""
            text: hi
            targets: [webhook]
            media:
              - \(item)
            """, context)
    }

    @Test func singleMappingIsOneItem() throws {
        let manifest = try #require(ManifestFixture.read("""
            targets: [webhook]
            media:
              file: sub/dir/clip.mp4
              alt: A clip
              type: video
            """).manifest)
        #expect(manifest.media == [
            MediaReference(
                source: .file(path: "sub/dir/clip.mp4"), alt: "A clip", kindHint: "VIDEO",
                mark: SourceMark(line: 3, column: 3)),
        ])
    }

    @Test func itemNeedsExactlyOneSource() {
        #expect(ManifestFixture.errors("""
            text: hi
            targets: [webhook]
            media:
              - alt: nothing here
              - file: a.jpg
                url: https://example.com/a.jpg
              - gcs: gs://bucket/a.jpg
                gcsPath: gs://bucket/b.jpg
            """) == [
            "launch.yaml:4:5: media[0]: a media item needs exactly one of file, gcs or url; found none",
            "launch.yaml:5:5: media[1]: a media item needs exactly one of file, gcs or url; found file and url",
            "launch.yaml:8:5: media[2].gcsPath: 'gcs' and 'gcsPath' are the same field ('gcsPath' is an alias of "
                + "'gcs'): keep one",
        ])
    }

    @Test func filePathsStayInsideTheMediaFolder() {
        #expect(mediaErrors("file: /etc/passwd") == [
            "launch.yaml:4:11: media[0].file: '/etc/passwd' is an absolute path; name the file relative to "
                + "spool/media/ (e.g. launch.jpg)",
        ])
        #expect(mediaErrors("file: ../secrets/key.pem") == [
            "launch.yaml:4:11: media[0].file: '../secrets/key.pem' contains '..'; media files must stay inside "
                + "spool/media/",
        ])
        #expect(mediaErrors("file: a/../../b.jpg") == [
            "launch.yaml:4:11: media[0].file: 'a/../../b.jpg' contains '..'; media files must stay inside "
                + "spool/media/",
        ])
        #expect(mediaErrors("file: \"\"") == [
            "launch.yaml:4:11: media[0].file: the file path is empty; name a file in spool/media/",
        ])
        // '..' inside a name is not a parent reference.
        #expect(mediaErrors("file: v1..2.jpg").isEmpty)
    }

    @Test func fileProblemsFromTheCallerAreReported() {
        let context = ManifestFixture.context(mediaFileProblem: { path in
            path == "missing.jpg" ? "no such file in spool/media/" : nil
        })
        #expect(mediaErrors("file: missing.jpg", context) == [
            "launch.yaml:4:11: media[0].file: media file 'missing.jpg': no such file in spool/media/",
        ])
        #expect(mediaErrors("file: present.jpg", context).isEmpty)
        // The caller is not asked about paths that are already refused.
        let refusing = ManifestFixture.context(mediaFileProblem: { _ in "must not be called" })
        #expect(mediaErrors("file: /abs.jpg", refusing).count == 1)
        #expect(!mediaErrors("file: /abs.jpg", refusing)[0].contains("must not be called"))
    }

    @Test(arguments: [
        ("gs://bucket", "'gs://bucket' names no object; expected gs://BUCKET/OBJECT"),
        ("gs://bucket/", "'gs://bucket/' names no object; expected gs://BUCKET/OBJECT"),
        ("s3://bucket/a.jpg", "'s3://bucket/a.jpg' is not a gs:// path; expected gs://BUCKET/OBJECT"),
        ("gs://Bucket/a.jpg", "invalid bucket name 'Bucket': 3-63 characters of lower-case letters, digits, '-', '_' "
            + "and '.', starting and ending with a letter or digit"),
        ("gs://ab/a.jpg", "invalid bucket name 'ab': 3-63 characters of lower-case letters, digits, '-', '_' "
            + "and '.', starting and ending with a letter or digit"),
        ("gs://-abc/a.jpg", "invalid bucket name '-abc': 3-63 characters of lower-case letters, digits, '-', '_' "
            + "and '.', starting and ending with a letter or digit"),
        ("gs://192.168.5.4/a.jpg", "invalid bucket name '192.168.5.4': a bucket name cannot be an IP address"),
        ("gs://google-x/a.jpg", "invalid bucket name 'google-x': a bucket name cannot start with 'goog'"),
    ])
    func badGCSPaths(_ path: String, _ message: String) {
        #expect(mediaErrors("gcs: \(path)") == ["launch.yaml:4:10: media[0].gcs: \(message)"])
    }

    @Test func goodGCSPaths() throws {
        let manifest = try #require(ManifestFixture.read("""
            targets: [webhook]
            media:
              - gcs: gs://my-bucket_1/a/b c.jpg
              - gcs: gs://media.example.com/x
            """).manifest)
        #expect(manifest.media.map(\.source) == [
            .gcs(bucket: "my-bucket_1", object: "a/b c.jpg"), .gcs(bucket: "media.example.com", object: "x"),
        ])
    }

    @Test(arguments: [
        ("ftp://example.com/a.jpg", "'ftp://example.com/a.jpg' is not a web address; expected an absolute http:// "
            + "or https:// URL with a host"),
        ("/a.jpg", "'/a.jpg' is not a web address; expected an absolute http:// or https:// URL with a host"),
        ("https:///a.jpg", "'https:///a.jpg' has no valid host; expected an absolute http:// or https:// URL "
            + "with a host"),
        ("https://exa mple.com/a.jpg", "'https://exa mple.com/a.jpg' contains spaces or control characters; "
            + "percent-encode them (%20)"),
        ("https://example.com:99999/a", "'https://example.com:99999/a' has an invalid port '99999'; expected an "
            + "absolute http:// or https:// URL with a host"),
    ])
    func badURLs(_ url: String, _ message: String) {
        #expect(mediaErrors("url: \"\(url)\"") == ["launch.yaml:4:10: media[0].url: \(message)"])
    }

    @Test func goodURLs() throws {
        let manifest = try #require(ManifestFixture.read("""
            targets: [webhook]
            media:
              - url: HTTPS://cdn.example.com:8443/promo.mp4?sig=1#t
              - url: http://[::1]:8080/a.png
              - url: http://localhost/a.png
            """).manifest)
        #expect(manifest.media.count == 3)
    }

    @Test func mediaTypeAndAltAreChecked() {
        #expect(mediaErrors("url: https://example.com/a.gif\n    type: GIF\n    alt: [x]") == [
            "launch.yaml:5:11: media[0].type: unknown media type 'GIF'; expected one of IMAGE, VIDEO, REEL",
            "launch.yaml:6:10: media[0].alt: expected alt text, found a list",
        ])
    }

    @Test func mediaMustBeAMappingOrList() {
        #expect(ManifestFixture.errors("""
            text: hi
            targets: [webhook]
            media: launch.jpg
            """) == [
            "launch.yaml:3:8: media: expected a media item (a mapping with file, gcs or url) or a list of them, "
                + "found the text 'launch.jpg'",
        ])
        #expect(ManifestFixture.errors("""
            text: hi
            targets: [webhook]
            media:
              - launch.jpg
            """) == [
            "launch.yaml:4:5: media[0]: expected a media item: a mapping with one of file, gcs or url (and optional "
                + "alt), found the text 'launch.jpg'",
        ])
    }
}
