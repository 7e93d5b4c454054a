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
            lines.append("target \(plan.target.index + 1): \(plan.target.platform.rawValue)\(type), account \(plan.target.account)")
            lines += Self.render(plan.entries)
            lines.append("  => \(plan.outcome)")
            lines.append("")
        }
        return lines.joined(separator: "\n")
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
