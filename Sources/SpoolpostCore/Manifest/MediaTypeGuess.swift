/// The MIME type of a media item that has not been fetched, from what the manifest says about it: the
/// multipost `type` or the extension of its object name or URL path. A guess for validation only; the
/// bytes decide once they are read.
public enum MediaTypeGuess {
    public static func mimeType(for reference: MediaReference) -> String? {
        let name: String
        switch reference.source {
        case .file(let path): name = path
        case .gcs(_, let object): name = object
        case .url(let url): name = String(url.split(separator: "?", maxSplits: 1).first ?? "")
        }
        if let type = MediaType(fileName: name) { return type.mimeType }
        switch reference.kindHint {
        case "VIDEO", "REEL": return "video/mp4"
        case "IMAGE": return "image/jpeg"
        default: return nil
        }
    }
}
