import Foundation
import SpoolpostCore
import Testing

@Suite struct MediaObjectNameTests {
    private let uuid = UUID(uuidString: "3F2504E0-4F89-41D3-9A0C-0305E82C3301")!
    private let date = Date(timeIntervalSince1970: 1_767_225_600.123_9)

    @Test func followsTheDocumentLayout() {
        let name = MediaObjectName.make(category: .images, owner: "acme", type: .jpeg, date: date, uuid: uuid)
        #expect(name == "media/images/acme/1767225600123-3f2504e0-4f89-41d3-9a0c-0305e82c3301.jpg")
        let reel = MediaObjectName.make(category: .reels, owner: "acme", type: .mov, date: date, uuid: uuid)
        #expect(reel.hasPrefix("media/reels/acme/1767225600123-") && reel.hasSuffix(".mov"))
        #expect(MediaObjectName.isMediaObjectName(name))
        #expect(MediaObjectName.isMediaObjectName(reel))
        #expect(!MediaObjectName.isMediaObjectName("media/images/../x.jpg"))
        #expect(!MediaObjectName.isMediaObjectName("media/audio/acme/x.mp3"))
        #expect(!MediaObjectName.isMediaObjectName("other/images/acme/x.jpg"))
    }

    @Test func freshUUIDsMakeDistinctNames() {
        let first = MediaObjectName.make(category: .videos, owner: "a", type: .mp4, date: date)
        let second = MediaObjectName.make(category: .videos, owner: "a", type: .mp4, date: date)
        #expect(first != second)
        #expect(first == first.lowercased())
    }

    @Test func categoryFromKindOrExplicitType() {
        #expect(MediaCategory(kind: .image) == .images)
        #expect(MediaCategory(kind: .video) == .videos)
        #expect(MediaCategory(typeName: "REEL") == .reels)
        #expect(MediaCategory(typeName: "Image") == .images)
        #expect(MediaCategory(typeName: "videos") == .videos)
        #expect(MediaCategory(typeName: "story") == nil)
        #expect(MediaCategory.reels.kind == .video)
        #expect(MediaCategory.images.kind == .image)
    }

    @Test(arguments: [
        ("acme", "acme"),
        ("Acme_Corp.eu-1", "acme_corp.eu-1"),
        ("../../etc", "..-..-etc"),
        ("a/b", "a-b"),
        ("José", "jos-"),
        ("", "unknown"),
        (".", "unknown"),
        ("..", "unknown"),
        ("...", "unknown"),
        ("with space", "with-space"),
    ])
    func ownerIsSanitised(input: String, expected: String) {
        #expect(MediaObjectName.sanitizedOwner(input) == expected)
    }

    @Test func longOwnersAreCut() {
        let owner = String(repeating: "x", count: 300)
        #expect(MediaObjectName.sanitizedOwner(owner).count == MediaObjectName.maximumOwnerLength)
    }
}
