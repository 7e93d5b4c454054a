import ArgumentParser
import Foundation
import Glibc
import SpoolpostCore
import SpoolpostIO

struct UploadURLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload-url",
        abstract: "Print a signed PUT URL for a pipeline to upload one media file, as JSON.",
        discussion: """
            Checks the type and size against the media limits, chooses the object name \
            (media/{images|videos|reels}/{account}/{timestamp}-{uuid}.{ext}) and prints \
            {"gcs", "url", "method", "headers", "expires_at"}: PUT the file to url with exactly those headers, \
            then name it in a manifest with gcs:. URLs are rate-limited per account (storage.upload_url_rate).
            """
    )

    @OptionGroup var options: GlobalOptions

    @Option(help: "The file's name (its extension must not contradict --content-type).")
    var name: String?

    @Option(help: "image, video or reel.")
    var type: String?

    @Option(name: .customLong("content-type"), help: "The file's MIME type: \(MediaType.acceptedMIMETypes).")
    var contentType: String?

    @Option(help: "The file's size in bytes.")
    var size: String?

    @Option(help: "The account the upload is for (the object's owner; default: your user name).")
    var account: String?

    func run() throws {
        let request = try validatedRequest()
        let loaded = try LoadedConfiguration.load(options)
        let configuration = loaded.configuration
        if let problem = configuration.mediaLimits.problem(size: request.size, kind: request.category.kind) {
            throw CLIError("--size: \(problem)")
        }
        let owner = account ?? Self.userName()
        guard !owner.trimmingCharacters(in: .whitespaces).isEmpty else { throw CLIError("--account is empty") }

        let now = Date()
        let signingDate = Date(timeIntervalSince1970: now.timeIntervalSince1970.rounded(.down))
        let expiry = configuration.storage.uploadURLExpiry
        let object = MediaObjectName.make(category: request.category, owner: owner, type: request.type, date: now)
        let headers = [
            "Content-Type": request.type.mimeType,
            // Cloud Storage refuses a PUT whose body is not exactly the declared size.
            "x-goog-content-length-range": "\(request.size),\(request.size)",
        ]
        let url: String
        let gcs: String
        do {
            let storage = try StorageSigner.load(
                storage: configuration.storage, spoolRoot: loaded.spoolRoot, baseDirectory: loaded.baseDirectory)
            url = try storage.signedURL(
                object: object, method: "PUT", expiration: expiry, date: signingDate, headers: headers)
            gcs = storage.gsURI(object: object)
            // Counted only once everything else succeeded, so a refused or broken request costs no grant.
            if let rate = configuration.storage.uploadURLRate {
                let ledger = UploadURLRateLedger(files: EmbeddedStoreFiles(spoolRoot: loaded.spoolRoot), limit: rate)
                if case .refused(let retryAfter) = try ledger.acquire(account: owner, now: now) {
                    let seconds = Int(retryAfter.rounded(.up))
                    throw CLIError(
                        "rate limit: account '\(owner)' has used its \(rate) upload URLs "
                            + "(storage.upload_url_rate); try again in \(seconds) second\(seconds == 1 ? "" : "s")")
                }
            }
        } catch let error as SpoolpostError {
            throw CLIError(error.message)
        }
        let json: [String: Any] = [
            "gcs": gcs, "url": url, "method": "PUT", "headers": headers,
            "expires_at": RFC3339.format(signingDate.addingTimeInterval(Double(expiry))),
        ]
        let data = try JSONSerialization.data(
            withJSONObject: json, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
        print(String(decoding: data, as: UTF8.self))
    }

    private struct Request {
        var category: MediaCategory
        var type: MediaType
        var size: Int64
    }

    /// Every problem with the options, reported together.
    private func validatedRequest() throws -> Request {
        var problems: [String] = []
        func require(_ value: String?, _ flag: String, _ example: String) -> String? {
            guard let value, !value.isEmpty else {
                problems.append("\(flag) is required (for example \(flag) \(example))")
                return nil
            }
            return value
        }
        let name = require(name, "--name", "photo.jpg")
        let typeText = require(type, "--type", "image")
        let mimeText = require(contentType, "--content-type", "image/jpeg")
        let sizeText = require(size, "--size", "482113")

        let category = typeText.flatMap { text -> MediaCategory? in
            guard let category = MediaCategory(typeName: text) else {
                problems.append("--type must be image, video or reel, not '\(text)'")
                return nil
            }
            return category
        }
        let mediaType = mimeText.flatMap { text -> MediaType? in
            guard let type = MediaType(mimeType: text) else {
                problems.append("--content-type '\(text)' is not accepted; use one of \(MediaType.acceptedMIMETypes)")
                return nil
            }
            return type
        }
        if let category, let mediaType, category.kind != mediaType.kind {
            problems.append(
                "--content-type \(mediaType.mimeType) is \(mediaType.kind == .image ? "an image" : "a video"), "
                    + "but --type is \(typeText ?? "")")
        }
        if let name, let mediaType, let named = MediaType(fileName: name), named != mediaType {
            problems.append(
                "--name \(name) looks like \(named.displayName), but --content-type says \(mediaType.mimeType)")
        }
        let bytes = sizeText.flatMap { text -> Int64? in
            guard text.allSatisfy({ $0.isASCII && $0.isNumber }), let bytes = Int64(text), bytes > 0 else {
                problems.append("--size must be the file's size in bytes, a whole number above 0, not '\(text)'")
                return nil
            }
            return bytes
        }
        guard problems.isEmpty, let category, let mediaType, let bytes else {
            throw CLIError(problems.joined(separator: "\n"))
        }
        return Request(category: category, type: mediaType, size: bytes)
    }

    /// The login name of the user running the command.
    static func userName() -> String {
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name {
            let text = String(cString: name)
            if !text.isEmpty { return text }
        }
        return ProcessInfo.processInfo.environment["USER"] ?? "unknown"
    }
}
