import Foundation
import SpoolpostIO
import Testing

private let serviceAccountFile = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent()  // SpoolpostIOTests
    .deletingLastPathComponent()  // Tests
    .deletingLastPathComponent()  // package root
    .deletingLastPathComponent()
    .appendingPathComponent("shared/conformance/gcs/test_service_account.json")

private func conformanceKeyPEM() throws -> String {
    let data = try Data(contentsOf: serviceAccountFile)
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    return try #require(object["private_key"] as? String)
}

@Suite("RSA public keys")
struct RSAPublicKeyTests {
    @Test("A signature by RSAPrivateKey verifies under the derived public key; any flipped bit fails")
    func verifiesPrivateKeySignature() throws {
        let pem = try conformanceKeyPEM()
        let privateKey = try RSAPrivateKey(pem: pem)
        let publicKey = try RSAPublicKey(privateKeyPEM: pem)
        #expect(publicKey.bitCount == privateKey.bitCount)
        let message = Array("GOOG4-RSA-SHA256\n20190201T090000Z\n20190201/auto/storage/goog4_request\nabc".utf8)
        let signature = try privateKey.signSHA256(message)
        #expect(publicKey.verifySHA256(signature: signature, message: message))

        for bit in [0, 7, 1000, signature.count * 8 - 1] {
            var tampered = signature
            tampered[bit / 8] ^= UInt8(1 << (bit % 8))
            #expect(!publicKey.verifySHA256(signature: tampered, message: message), "bit \(bit)")
        }
        var changedMessage = message
        changedMessage[0] ^= 1
        #expect(!publicKey.verifySHA256(signature: signature, message: changedMessage))
        #expect(!publicKey.verifySHA256(signature: Array(signature.dropLast()), message: message))
        #expect(!publicKey.verifySHA256(signature: [], message: message))
    }

    @Test("The public PEM round-trips, holds no private key, and the service-account file gives the same key")
    func pemRoundTrip() throws {
        let pem = try conformanceKeyPEM()
        let derived = try RSAPublicKey(privateKeyPEM: pem)
        #expect(derived.pem.hasPrefix("-----BEGIN PUBLIC KEY-----"))
        #expect(!derived.pem.contains("PRIVATE"))
        let reparsed = try RSAPublicKey(pem: derived.pem)
        #expect(reparsed.pem == derived.pem)
        let fromFile = try RSAPublicKey(serviceAccountJSON: try Data(contentsOf: serviceAccountFile))
        #expect(fromFile.pem == derived.pem)

        let message = Array("hello".utf8)
        let signature = try RSAPrivateKey(pem: pem).signSHA256(message)
        #expect(reparsed.verifySHA256(signature: signature, message: message))
    }

    @Test("Unusable input is refused with a message and no key material")
    func badInput() {
        #expect(throws: CryptoError.self) { try RSAPublicKey(pem: "") }
        #expect(throws: CryptoError.self) { try RSAPublicKey(pem: "-----BEGIN PUBLIC KEY-----\nSECRETSTUFF\n") }
        #expect(throws: CryptoError.self) { try RSAPublicKey(privateKeyPEM: "not a key") }
        do {
            _ = try RSAPublicKey(serviceAccountJSON: Data(#"{"client_email":"a@b"}"#.utf8))
            Issue.record("a key file without a private key was accepted")
        } catch {
            #expect(error.message.contains("private_key"))
        }
    }
}
