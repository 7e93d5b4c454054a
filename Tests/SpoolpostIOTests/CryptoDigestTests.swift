import SpoolpostIO
import Testing

@Suite("Digests, HMAC and hex")
struct CryptoDigestTests {
    private func hex(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test("SHA-256 known answers (FIPS 180-2)")
    func sha256KnownAnswers() {
        #expect(Hex.encode(Digest.sha256(hex("abc")))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(Hex.encode(Digest.sha256([UInt8]()))
            == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(Hex.encode(Digest.sha256(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")))
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        // A non-contiguous collection goes through the copying path.
        #expect(Hex.encode(Digest.sha256(hex("cba").reversed()))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("MD5 and SHA-1 known answers (RFC 1321, FIPS 180-1)")
    func md5AndSHA1KnownAnswers() {
        #expect(Hex.encode(Digest.md5([UInt8]())) == "d41d8cd98f00b204e9800998ecf8427e")
        #expect(Hex.encode(Digest.md5(hex("abc"))) == "900150983cd24fb0d6963f7d28e17f72")
        #expect(Hex.encode(Digest.md5(hex("The quick brown fox jumps over the lazy dog")))
            == "9e107d9d372bb6826bd81d3542a419d6")
        #expect(Hex.encode(Digest.sha1(hex("abc"))) == "a9993e364706816aba3e25717850c26c9cd0d89d")
    }

    @Test("Streaming SHA-256 over one million 'a' in uneven chunks matches the FIPS 180-2 answer")
    func streamingSHA256() {
        let data = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        var hasher = SHA256Hasher()
        var offset = 0
        var chunk = 1
        while offset < data.count {
            let end = min(offset + chunk, data.count)
            data[offset..<end].withUnsafeBytes { hasher.update($0) }
            offset = end
            chunk = chunk * 3 + 7
        }
        hasher.update([UInt8]())
        #expect(Hex.encode(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("Streaming MD5 equals the one-shot digest")
    func streamingMD5() {
        let text = hex("The quick brown fox jumps over the lazy dog")
        var hasher = MD5Hasher()
        hasher.update(text[0..<10])
        hasher.update(text[10...])
        #expect(Hex.encode(hasher.finalize()) == "9e107d9d372bb6826bd81d3542a419d6")
        #expect(Hex.encode(MD5Hasher().finalize()) == "d41d8cd98f00b204e9800998ecf8427e")
    }

    @Test("HMAC-SHA256 RFC 4231 test cases 1, 2 and 6")
    func hmacSHA256RFC4231() {
        let case1 = HMAC.sha256(key: [UInt8](repeating: 0x0B, count: 20), message: hex("Hi There"))
        #expect(Hex.encode(case1) == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        let case2 = HMAC.sha256(key: hex("Jefe"), message: hex("what do ya want for nothing?"))
        #expect(Hex.encode(case2) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        let case6 = HMAC.sha256(
            key: [UInt8](repeating: 0xAA, count: 131),
            message: hex("Test Using Larger Than Block-Size Key - Hash Key First")
        )
        #expect(Hex.encode(case6) == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test("HMAC-SHA256 with an empty key and message")
    func hmacEmpty() {
        #expect(Hex.encode(HMAC.sha256(key: [UInt8](), message: [UInt8]()))
            == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
    }

    @Test("HMAC-SHA1 RFC 2202 test cases 1 and 2")
    func hmacSHA1RFC2202() {
        let case1 = HMAC.sha1(key: [UInt8](repeating: 0x0B, count: 20), message: hex("Hi There"))
        #expect(Hex.encode(case1) == "b617318655057264e28bc0b6fb378c8ef146be00")
        let case2 = HMAC.sha1(key: hex("Jefe"), message: hex("what do ya want for nothing?"))
        #expect(Hex.encode(case2) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
    }

    @Test("Hex round trip, either case in, lowercase out, and rejection of bad text")
    func hexRoundTrip() {
        let bytes: [UInt8] = [0x00, 0x01, 0x7F, 0x80, 0xAB, 0xFF]
        #expect(Hex.encode(bytes) == "00017f80abff")
        #expect(Hex.decode("00017F80ABff") == bytes)
        #expect(Hex.decode("") == [])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.decode("0g") == nil)
    }
}
