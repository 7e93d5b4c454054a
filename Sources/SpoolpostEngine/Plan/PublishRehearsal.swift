import Foundation
public import SpoolpostAdapters
public import SpoolpostCore

/// Runs a post's media staging and each target's adapter once, against stand-ins that answer like the real
/// services (the sandbox's simulators, a throwaway object store), so `spoolpost plan` can show the requests
/// the real code makes. The caller points every account and the storage at the stand-ins and hands in the
/// recorder its HTTP client reports to.
public struct PublishRehearsal: Sendable {
    public let adapters: AdapterRegistry
    public let stager: MediaStager?
    public let recorder: PlanRecorder
    /// The spool's media folder, where target options such as a thumbnail are read from.
    public let mediaRoot: String?
    /// Per account, how its requests are shown (its own real base URLs); others use the recorder's.
    public let accountRebasing: [String: URLRebasing]

    public init(
        adapters: AdapterRegistry, stager: MediaStager?, recorder: PlanRecorder, mediaRoot: String?,
        accountRebasing: [String: URLRebasing] = [:]
    ) {
        self.adapters = adapters
        self.stager = stager
        self.recorder = recorder
        self.mediaRoot = mediaRoot
        self.accountRebasing = accountRebasing
    }

    static let mediaSection = "media"

    /// Stages the media, then publishes to each target in turn (one at a time, so each target's requests stay
    /// together; the daemon sends them in parallel).
    public func run(_ manifest: Manifest) async -> PlanReport {
        var report = PlanReport(postID: manifest.id)
        var prepared = manifest.media.map(PreparedMedia.init(unprepared:))
        if let stager, MediaStager.needsStorage(manifest) {
            recorder.begin(section: Self.mediaSection)
            do throws(SpoolpostError) {
                prepared = try await stager.prepare(
                    manifest, records: [:], owner: manifest.targets.first?.account ?? "spoolpost", record: { _ in })
            } catch {
                report.mediaFailure = recorder.shown(error.message)
            }
            report.media = recorder.entries(in: Self.mediaSection)
        }
        for target in manifest.targets {
            let section = "target \(target.index)"
            recorder.begin(section: section, rebasing: accountRebasing[target.account])
            var plan = PlanReport.TargetPlan(target: target, entries: [], outcome: "")
            if report.mediaFailure != nil {
                plan.outcome = "not sent: the media could not be staged"
            } else if let adapter = adapters.adapter(forAccount: target.account) {
                let request = PublishRequest(
                    postID: manifest.id, target: target, text: manifest.text(for: target), media: prepared, attempt: 1,
                    mediaRoot: mediaRoot)
                switch await adapter.publish(request, progress: recorder.progress) {
                case .published:
                    plan.outcome = "published (in the rehearsal)"
                case .failed(let error):
                    plan.outcome = "failed in the rehearsal: \(error.code.rawValue): \(recorder.shown(error.message))"
                }
            } else {
                plan.outcome = "no adapter for account '\(target.account)'"
            }
            plan.entries = recorder.entries(in: section)
            report.targets.append(plan)
        }
        return report
    }
}
