import Foundation
public import SpoolpostCore

/// What `spoolpost plan` prints: the storage requests for the post's media, then each target's requests in
/// order, with the steps recorded between them and the mark before the request that makes the post public.
public struct PlanReport: Sendable {
    public struct TargetPlan: Sendable {
        public var target: PostTarget
        public var entries: [PlanEntry]
        /// How the rehearsal ended for this target.
        public var outcome: String
    }

    public var postID: String
    public var media: [PlanEntry] = []
    /// Why staging the media failed in the rehearsal, if it did.
    public var mediaFailure: String?
    public var targets: [TargetPlan] = []

    public init(postID: String) {
        self.postID = postID
    }

    /// The report as indented text.
    public func rendered() -> String {
        var lines: [String] = []
        if !media.isEmpty || mediaFailure != nil {
            lines.append("media (uploaded and signed once for all targets):")
            lines += Self.render(media)
            if let mediaFailure { lines.append("  stops: \(mediaFailure)") }
            lines.append("")
        }
        for plan in targets {
            let type = plan.target.type.map { " \($0)" } ?? ""
            let target = plan.target
            lines.append("target \(target.index + 1): \(target.platform.rawValue)\(type), account \(target.account)")
            lines += Self.render(plan.entries)
            lines.append("  => \(plan.outcome)")
            lines.append("")
        }
        return lines.joined(separator: "\n")
    }

    /// The report as JSON (sorted keys): `post`, `media` and `targets`, each target with `index` (from 1),
    /// `platform`, `account`, `type`, `entries` and `outcome`; an entry is `{"request": {...}}`,
    /// `{"step": {"key", "value"}}` or `{"public_step": true}`.
    public func json() -> String {
        var object: [String: Any] = [
            "post": postID, "media": media.map(Self.json),
            "targets": targets.map { plan -> [String: Any] in
                [
                    "index": plan.target.index + 1, "platform": plan.target.platform.rawValue,
                    "account": plan.target.account, "type": plan.target.type ?? NSNull(),
                    "entries": plan.entries.map(Self.json), "outcome": plan.outcome,
                ]
            },
        ]
        if let mediaFailure { object["media_failure"] = mediaFailure }
        let data = (try? JSONSerialization.data(
            withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    private static func json(_ entry: PlanEntry) -> [String: Any] {
        switch entry {
        case .publicStepBegins:
            return ["public_step": true]
        case .step(let key, let value):
            return ["step": ["key": key, "value": value.map { $0 as Any } ?? NSNull()] as [String: Any]]
        case .request(let request):
            func pairs(_ fields: [PlannedRequest.Field]) -> [[String]] { fields.map { [$0.name, $0.value] } }
            return [
                "request": [
                    "method": request.method, "url": request.url, "query": pairs(request.query),
                    "headers": pairs(request.headers), "body": request.body, "answer": request.answer,
                    "repeats": request.repeats,
                ] as [String: Any]
            ]
        }
    }

    private static func render(_ entries: [PlanEntry]) -> [String] {
        var lines: [String] = []
        var number = 0
        for entry in entries {
            switch entry {
            case .publicStepBegins:
                lines.append("  -- the next request makes the post public: sent once, never repeated blindly --")
            case .step(let key, let value):
                lines.append("     records step \(key)" + (value.map { " = \($0)" } ?? " (cleared)"))
            case .request(let request):
                number += 1
                let times = request.repeats > 1 ? " (x\(request.repeats), polling)" : ""
                lines.append("  \(number). \(request.method) \(request.url)\(times)")
                for (index, field) in request.query.enumerated() {
                    lines.append("       \(index == 0 ? "?" : "&")\(field.name)=\(field.value)")
                }
                for field in request.headers { lines.append("       \(field.name): \(field.value)") }
                for line in request.body { lines.append("       | \(line)") }
                lines.append("       -> \(request.answer)")
            }
        }
        return lines
    }
}
