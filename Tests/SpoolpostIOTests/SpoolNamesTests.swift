import SpoolpostIO
import Testing

@Suite struct SpoolNamesTests {
    @Test func manifestNamesAndStems() {
        #expect(SpoolNames.isManifestName("post.yaml"))
        #expect(SpoolNames.isManifestName("post.yml"))
        #expect(SpoolNames.isManifestName("post.json"))
        #expect(!SpoolNames.isManifestName("post.txt"))
        #expect(!SpoolNames.isManifestName(".yaml"))
        #expect(!SpoolNames.isManifestName("post.status.yaml"))
        #expect(!SpoolNames.isManifestName(".post.yaml"))
        #expect(SpoolNames.stem(of: "a.b.yaml") == "a.b")
        #expect(SpoolNames.stem(of: "post.json") == "post")
        #expect(SpoolNames.stem(of: "post.txt") == nil)
        #expect(SpoolNames.statusName(forStem: "post") == "post.status.yaml")
        #expect(SpoolNames.retryName(forStem: "post") == "post.retry")
        #expect(SpoolNames.isSidecarName("post.retry"))
        #expect(!SpoolNames.isSidecarName("post.yaml"))
    }

    @Test func ignoredNames() {
        for name in [".hidden", ".post.yaml.Ab12Cd", "post.yaml.tmp", "post.yaml.part", "post.yaml~", ".post.yaml.swp",
                     "post.swp", ".post.yaml.tmp-12-3", ""] {
            #expect(SpoolNames.isIgnored(name), "\(name)")
        }
        for name in ["post.yaml", "post.status.yaml", "post.retry", "tmp", "post.tmp.yaml"] {
            #expect(!SpoolNames.isIgnored(name), "\(name)")
        }
    }

    @Test func ownTemporaryNames() {
        #expect(SpoolNames.isOwnTemporaryName(".post.yaml.tmp-123-45"))
        #expect(!SpoolNames.isOwnTemporaryName(".post.yaml.tmp-123"))
        #expect(!SpoolNames.isOwnTemporaryName("post.yaml.tmp-123-45"))
        #expect(!SpoolNames.isOwnTemporaryName(".post.yaml.AbC123"))
        #expect(!SpoolNames.isOwnTemporaryName(".post.yaml.tmp-12a-45"))
    }

    @Test func entryNameValidation() {
        #expect(SpoolNames.isValidEntryName("post.yaml"))
        #expect(!SpoolNames.isValidEntryName("../post.yaml"))
        #expect(!SpoolNames.isValidEntryName("a/b"))
        #expect(!SpoolNames.isValidEntryName(".."))
        #expect(!SpoolNames.isValidEntryName(""))
        #expect(!SpoolNames.isValidEntryName(String(repeating: "x", count: 256)))
    }
}
