import Foundation
import SpoolpostAdapters
import Testing

/// X's "Creating a signature" walk-through: its parameters, signing key and resulting signature.
@Suite struct OAuth1SignerTests {
    static let status = "Hello Ladies + Gentlemen, a signed OAuth request!"
    static let signer = OAuth1Signer(
        consumerKey: "xvz1evFS4wEEPTGEFPHBog", consumerSecret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
        token: "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        tokenSecret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE")
    static let oauthParameters = [
        ("oauth_consumer_key", "xvz1evFS4wEEPTGEFPHBog"),
        ("oauth_nonce", "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "1318622958"),
        ("oauth_token", "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"),
        ("oauth_version", "1.0"),
    ]

    @Test func percentEncodingFollowsRFC3986() {
        #expect(OAuth1Signer.percentEncode(Self.status) == "Hello%20Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21")
        #expect(OAuth1Signer.percentEncode("An encoded string!") == "An%20encoded%20string%21")
        #expect(OAuth1Signer.percentEncode("Dogs, Cats & Mice") == "Dogs%2C%20Cats%20%26%20Mice")
        #expect(OAuth1Signer.percentEncode("☃") == "%E2%98%83")
        #expect(OAuth1Signer.percentEncode("a-b.c_d~e") == "a-b.c_d~e")
    }

    @Test func theSignatureBaseStringMatchesTheDocumentedOne() {
        let base = OAuth1Signer.signatureBaseString(
            method: "post", url: "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
            parameters: [("status", Self.status)] + Self.oauthParameters)
        #expect(base == "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26"
            + "oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26"
            + "oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-"
            + "GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B"
            + "%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521")
    }

    @Test func theSignatureMatchesTheDocumentedExample() {
        let base = OAuth1Signer.signatureBaseString(
            method: "POST", url: "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
            parameters: [("status", Self.status)] + Self.oauthParameters)
        let signature = OAuth1Signer.signature(
            base: base, consumerSecret: "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
            tokenSecret: "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE")
        #expect(signature == "hCtSmYh+iHYCEqBWrE7C7hYmtUk=")
    }

    @Test func theAuthorizationHeaderCarriesTheSortedEncodedParameters() {
        let header = Self.signer.authorizationHeader(
            method: "POST", url: "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
            parameters: [("status", Self.status)], nonce: "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
            timestamp: 1_318_622_958)
        #expect(header == "OAuth oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\", "
            + "oauth_nonce=\"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg\", "
            + "oauth_signature=\"hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D\", oauth_signature_method=\"HMAC-SHA1\", "
            + "oauth_timestamp=\"1318622958\", "
            + "oauth_token=\"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb\", oauth_version=\"1.0\"")
    }

    @Test func theBaseURLDropsDefaultPortsAndLowercasesTheHost() {
        let explicit = OAuth1Signer.signatureBaseString(method: "GET", url: "HTTPS://API.X.COM:443/2/x?a=1", parameters: [])
        let plain = OAuth1Signer.signatureBaseString(method: "GET", url: "https://api.x.com/2/x?a=1", parameters: [])
        #expect(explicit == plain)
        let custom = OAuth1Signer.signatureBaseString(method: "GET", url: "http://127.0.0.1:8088/p", parameters: [])
        #expect(custom == "GET&http%3A%2F%2F127.0.0.1%3A8088%2Fp&")
    }

    @Test func freshNoncesDiffer() {
        let first = Self.signer.authorizationHeader(method: "GET", url: "https://api.x.com/2/users/me")
        let second = Self.signer.authorizationHeader(method: "GET", url: "https://api.x.com/2/users/me")
        #expect(first != second)
    }
}
