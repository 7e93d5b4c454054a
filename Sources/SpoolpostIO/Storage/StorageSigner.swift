import Foundation
public import SpoolpostCore

/// Signs URLs for the configured bucket or the embedded store: the signer, the bucket, and how its URLs are
/// addressed (endpoint, style, scheme), built once from the configuration.
public struct StorageSigner: Sendable {
    public let signer: GCSURLSigner
    public let bucket: String
    public let style: GCSURLStyle
    /// `https`, or `http` for the embedded store; an endpoint written with a scheme overrides it.
    public let scheme: String
    /// Another endpoint than storage.googleapis.com (`host[:port]` or `http(s)://host[:port]`).
    public let endpoint: String?
    public let usesEmbeddedStore: Bool

    public init(
        signer: GCSURLSigner, bucket: String, style: GCSURLStyle = .pathStyle, scheme: String = "https",
        endpoint: String? = nil, usesEmbeddedStore: Bool = false
    ) {
        self.signer = signer
        self.bucket = bucket
        self.style = style
        self.scheme = scheme
        self.endpoint = endpoint
        self.usesEmbeddedStore = usesEmbeddedStore
    }

    /// The signer for `storage`: its bucket with its key (paths relative to `baseDirectory`, the config file's
    /// folder), or, without a bucket, the embedded store of the spool at `spoolRoot`: bucket `spoolpost-local`,
    /// path style over http, at the endpoint the daemon recorded or `127.0.0.1:<embedded_port>`.
    ///
    /// Reads files (and may create the embedded store's key): blocking.
    public static func load(
        storage: StorageConfiguration, spoolRoot: String, baseDirectory: String
    ) throws(SpoolpostError) -> StorageSigner {
        guard let bucket = storage.bucket else {
            return try embedded(files: EmbeddedStoreFiles(spoolRoot: spoolRoot), port: storage.embeddedPort)
        }
        guard let credentials = storage.credentials else {
            throw SpoolpostError(
                .invalidConfig, "storage.bucket '\(bucket)' has no key: add service_account_key: or hmac_key:")
        }
        return StorageSigner(
            signer: try loadSigner(credentials, baseDirectory: baseDirectory), bucket: bucket,
            style: storage.gcsURLStyle, scheme: "https", endpoint: storage.endpoint)
    }

    /// The embedded store's signer.
    public static func embedded(files: EmbeddedStoreFiles, port: Int) throws(SpoolpostError) -> StorageSigner {
        let key = try files.loadOrCreateKey()
        let endpoint = try files.readEndpoint() ?? EmbeddedStoreFiles.defaultEndpoint(port: port)
        return StorageSigner(
            signer: GCSURLSigner(hmacKey: key), bucket: EmbeddedStoreFiles.bucket, style: .pathStyle, scheme: "http",
            endpoint: endpoint, usesEmbeddedStore: true)
    }

    /// A signer from a key file, refused when group or others can read it.
    public static func loadSigner(
        _ credentials: StorageConfiguration.Credentials, baseDirectory: String? = nil
    ) throws(SpoolpostError) -> GCSURLSigner {
        let path = resolve(credentials.path, against: baseDirectory)
        switch credentials {
        case .serviceAccountKey:
            let data = try StorageFileIO.readPrivateFile(path, what: "service-account key file")
            do {
                return GCSURLSigner(serviceAccount: try GCSServiceAccountKey(json: data))
            } catch {
                throw SpoolpostError(.invalidConfig, "service-account key file \(path): \(error.message)")
            }
        case .hmacKey:
            let data = try StorageFileIO.readPrivateFile(path, what: "HMAC key file")
            do {
                return GCSURLSigner(hmacKey: try GCSHMACKey(jsonKeyFile: data))
            } catch {
                throw SpoolpostError(.invalidConfig, "HMAC key file \(path): \(error.message)")
            }
        }
    }

    /// The request for `object` (nil: the bucket itself) with this signer's bucket and addressing.
    public func request(
        object: String?, method: String, expiration: Int, date: Date, headers: [String: String] = [:],
        queryParameters: [String: String] = [:]
    ) -> GCSSigningRequest {
        GCSSigningRequest(
            bucket: bucket, object: object, method: method, expiration: expiration, date: date, style: style,
            scheme: scheme, endpoint: endpoint, headers: headers, queryParameters: queryParameters)
    }

    /// A signed URL for `object`.
    public func signedURL(
        object: String?, method: String, expiration: Int, date: Date, headers: [String: String] = [:]
    ) throws(SpoolpostError) -> String {
        let request = request(object: object, method: method, expiration: expiration, date: date, headers: headers)
        do {
            return try signer.signedURL(for: request)
        } catch {
            throw error.spoolpostError
        }
    }

    /// `gs://bucket/object`, the form manifests name stored media with.
    public func gsURI(object: String) -> String { "gs://\(bucket)/\(object)" }

    static func resolve(_ path: String, against base: String?) -> String {
        guard let base, !path.hasPrefix("/") else { return path }
        return (base as NSString).appendingPathComponent(path)
    }
}
