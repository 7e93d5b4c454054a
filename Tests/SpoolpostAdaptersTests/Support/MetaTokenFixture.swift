import Glibc
import SpoolpostCore
import SpoolpostIO
import Testing

/// Credentials files for the token tests.
enum MetaTokenFixture {
    /// The credentials file as saved, after checking it is still mode 0600.
    static func savedPrivately(_ path: String) throws -> Credentials {
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        return try Credentials.load(path: path)
    }

    /// No token or secret value anywhere in what a person or a status file sees.
    static func expectNoSecrets(
        _ error: SpoolpostError, _ secrets: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        for secret in secrets {
            #expect(!error.message.contains(secret), sourceLocation: sourceLocation)
            #expect(error.platformCode?.contains(secret) != true, sourceLocation: sourceLocation)
        }
    }
}
