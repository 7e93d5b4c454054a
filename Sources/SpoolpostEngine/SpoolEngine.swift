import Foundation
public import Logging
public import ServiceLifecycle
public import SpoolpostAdapters
import SpoolpostCore
public import SpoolpostIO

/// The daemon: takes manifests from pending/, holds scheduled ones until their time, publishes every target
/// in parallel, retries with backoff, and moves each post to done/ or failed/, recording everything in
/// status and retry files.
///
/// Durability: every change of state is a ``SpoolTransaction`` made durable by the ``GroupCommitter``
/// before the engine acts on it. In particular a target is recorded `SENDING` durably before its request
/// leaves, so a crash can never make it go out twice unnoticed (see ``PostRecord/recoverInterruptedAttempts``).
public actor SpoolEngine: Service {
    /// A post the engine holds in memory: scheduled, queued or publishing.
    struct Post {
        var stem: String
        /// The manifest's file name in its current folder.
        var fileName: String
        var state: SpoolState
        var manifest: Manifest
        var record: PostRecord
        /// True while a job runs for it.
        var busy = false
        /// Set when a scheduled post is due; the value the heap entry must match to count.
        var due: Date?
    }

    /// What the engine knows about an id, for the never-twice rule.
    struct IndexEntry: Sendable {
        var state: SpoolState
        var status: PostStatus?
    }

    /// A job's hold on one of the `workers` slots; confined to the actor.
    final class WorkerSlot {
        var isHeld = true
    }

    /// Work waiting for a worker.
    enum Job {
        /// A valid manifest still in pending/, due now.
        case fromPending(name: String, stem: String, manifest: Manifest, warnings: [Diagnostic])
        /// A post in scheduled/ or publishing/ with targets due.
        case post(stem: String)
    }

    let spool: SpoolDirectory
    let committer: GroupCommitter
    /// The engine's own lane for blocking file work (listing, reading manifests and status files).
    let fileWork = BlockingWork(label: "spoolpost.engine.files")
    /// Replaced as a whole when the credentials are re-read (``reloadAdapters(_:)``); attempts in flight keep the
    /// adapters they started with.
    private(set) var adapters: AdapterRegistry
    /// Uploads and signs media; nil where no storage is set up (posts with `file:` or `gcs:` media then fail).
    let media: MediaStager?
    let settings: EngineSettings
    /// Per account, the cap on requests in flight (`max_concurrent:`, default ``defaultMaxConcurrent``).
    let accountGates: [String: ConcurrencyGate]
    static let defaultMaxConcurrent = 3
    /// Accounts a network asked us to leave alone until a time (see ``AccountPauses``).
    var accountNotBefore: [String: Date] = [:]
    let logger: Logger
    let now: @Sendable () -> Date

    var posts: [String: Post] = [:]
    let index = PostIndex()
    /// Stems taken in any folder but pending/: each post keeps a unique stem for life.
    var stems: Set<String> = []
    /// pending/ names being looked at, queued or moved.
    var claimedPending: Set<String> = []
    var freshQueue = FIFO<Job>()
    var retryQueue = FIFO<Job>()
    var scheduledTimes = DueQueue<String>()
    var retryTimes = DueQueue<String>()
    /// When the folders were last listed, and how many names pending/ held then.
    var lastScanAt = ContinuousClock.now
    var lastPendingCount = 0
    var deferredScan: Task<Void, Never>?
    /// Jobs holding a worker slot: a slot is for a post's requests, so it is given back once the last
    /// response is in, while the outcome is still being committed.
    var runningJobs = 0
    /// Jobs not finished yet, slot or not: shutdown and `--once` wait for these.
    var activeJobs = 0
    var intakeTasks = 0
    var stopping = false
    /// Folders to list on the next turn of the loop: all of them at start, then the ones the watcher saw change.
    var foldersToScan = Set(SpoolEngine.watchedFolders)
    var rescanRequested: Bool { !foldersToScan.isEmpty }
    /// What the engine watches, and for what: arrivals in pending/ (new manifests), departures from
    /// scheduled/ (deleting one cancels it), arrivals in publishing/ (`spoolpost retry`). The daemon's own
    /// moves out of pending/ wake nothing, so a full pending/ is not listed again for each post it publishes.
    static let watchedFolders: [SpoolState] = [.pending, .scheduled, .publishing]
    static let watchInterests: [SpoolWatcher.Interest] = [.arrivals, .departures, .arrivals]
    var timer: (due: Date, task: Task<Void, Never>)?
    let pokes: AsyncStream<Void>
    let pokeContinuation: AsyncStream<Void>.Continuation
    var fatalError: (any Error)?
    /// Posts that ended anything but SUCCESS during this run (for `--once`'s exit status).
    public internal(set) var unsuccessfulPosts = 0
    public internal(set) var completedPosts = 0

    public init(
        spool: SpoolDirectory, adapters: AdapterRegistry, media: MediaStager? = nil, settings: EngineSettings,
        logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.spool = spool
        self.committer = GroupCommitter(spool: spool)
        self.adapters = adapters
        self.media = media
        self.accountGates = settings.configuration.accounts.mapValues { account in
            ConcurrencyGate(limit: account.string("max_concurrent").flatMap { Int($0) } ?? Self.defaultMaxConcurrent)
        }
        self.settings = settings
        self.logger = logger
        self.now = now
        (pokes, pokeContinuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    var configuration: Configuration { settings.configuration }

    /// Builds the accounts' adapters again, off the cooperative pool (it reads the credentials files), and uses
    /// them for every attempt from now on: how a re-authorised account's new token is taken up without a
    /// restart. On failure the adapters in use stay, and the error says why.
    public func reloadAdapters(
        _ build: @escaping @Sendable () throws(SpoolpostError) -> AdapterRegistry
    ) async throws(SpoolpostError) {
        adapters = try await fileWork.run(build)
    }

    // MARK: - Running

    /// Runs until a graceful shutdown (SIGTERM/SIGINT through ServiceLifecycle) or, with `once`, until
    /// nothing due now is left. In-flight requests finish and their outcomes are written before it returns.
    public func run() async throws {
        let watcher = settings.once
            ? nil
            : SpoolWatcher(
                folders: zip(Self.watchedFolders, Self.watchInterests).map { (spool.path($0, ""), $1) },
                pollInterval: settings.pollInterval, logger: logger)
        // The watch exists before the first scan, so nothing dropped meanwhile is missed.
        try await recover()
        let forwarder = watcher.map { watcher in
            Task { [weak self] in
                for await _ in watcher.wakeups {
                    let folders = watcher.takeChangedFolders().map { Self.watchedFolders[$0] }
                    await self?.requestRescan(Set(folders))
                }
            }
        }
        defer {
            forwarder?.cancel()
            watcher?.shutdown()
            timer?.task.cancel()
            committer.shutdown()
        }
        try await withGracefulShutdownHandler {
            try await self.loop()
        } onGracefulShutdown: {
            Task { await self.stop() }
        }
    }

    /// Stops taking new work; jobs in flight finish and write their state.
    public func stop() {
        guard !stopping else { return }
        stopping = true
        logger.info("stopping: finishing requests in flight", metadata: ["in_flight": "\(activeJobs)"])
        poke()
    }

    func requestRescan(_ folders: Set<SpoolState> = Set(SpoolEngine.watchedFolders)) {
        guard !folders.isEmpty else { return }
        foldersToScan.formUnion(folders)
        poke()
    }

    func poke() { pokeContinuation.yield() }

    private func loop() async throws {
        poke()
        for await _ in pokes {
            if let fatalError { throw fatalError }
            if stopping {
                if activeJobs == 0 && intakeTasks == 0 { break }
                continue
            }
            if rescanRequested, !deferScanWhilePendingIsLarge() {
                let folders = foldersToScan
                foldersToScan = []
                lastScanAt = ContinuousClock.now
                await scanFolders(folders)
                if let fatalError { throw fatalError }
            }
            promoteDuePosts()
            dispatch()
            armTimer()
            if settings.once && isIdleForOnce { break }
        }
        if let fatalError { throw fatalError }
    }

    /// With thousands of files waiting in pending/, listing it for every arrival costs more than taking the
    /// files: arrivals are then gathered for a moment (5 µs per waiting name, at most 20 ms) and listed once.
    /// Small spools are listed at once, so a post dropped alone is taken without delay.
    private func deferScanWhilePendingIsLarge() -> Bool {
        guard lastPendingCount > 256, foldersToScan.contains(.pending) else { return false }
        let wait = Duration.microseconds(min(20_000, lastPendingCount * 5))
        let due = lastScanAt + wait
        guard ContinuousClock.now < due else { return false }
        if deferredScan == nil {
            deferredScan = Task { [weak self] in
                try? await Task.sleep(until: due, clock: .continuous)
                await self?.deferredScanFired()
            }
        }
        return true
    }

    private func deferredScanFired() {
        deferredScan = nil
        poke()
    }

    /// `--once` is done when nothing is queued, running, or waiting for a retry due in this run.
    private var isIdleForOnce: Bool {
        activeJobs == 0 && intakeTasks == 0 && freshQueue.isEmpty && retryQueue.isEmpty && retryTimes.isEmpty
            && !rescanRequested
    }

    /// Moves scheduled posts and retries whose time has come to the work queues.
    private func promoteDuePosts() {
        let current = now()
        for entry in scheduledTimes.popDue(at: current) {
            guard let post = posts[entry.key], post.state == .scheduled, post.due == entry.due, !post.busy else { continue }
            freshQueue.append(.post(stem: entry.key))
        }
        for entry in retryTimes.popDue(at: current) {
            guard let post = posts[entry.key], post.state == .publishing, !post.busy,
                !post.record.dueTargets(at: current).isEmpty
            else { continue }
            retryQueue.append(.post(stem: entry.key))
        }
    }

    /// Starts jobs while workers are free: new posts before retries.
    private func dispatch() {
        while runningJobs < configuration.workers, let job = freshQueue.popFirst() ?? retryQueue.popFirst() {
            if case .post(let stem) = job {
                guard var post = posts[stem], !post.busy else { continue }
                post.busy = true
                posts[stem] = post
            }
            runningJobs += 1
            activeJobs += 1
            Task { await self.perform(job) }
        }
    }

    private func perform(_ job: Job) async {
        let slot = WorkerSlot()
        switch job {
        case .fromPending(let name, let stem, let manifest, let warnings):
            await publishFromPending(name: name, stem: stem, manifest: manifest, warnings: warnings, slot: slot)
        case .post(let stem):
            await publishDueTargets(stem: stem, slot: slot)
        }
        release(slot)
        activeJobs -= 1
        poke()
    }

    /// Gives a job's worker slot back (once) so the next post can start its requests.
    func release(_ slot: WorkerSlot) {
        guard slot.isHeld else { return }
        slot.isHeld = false
        runningJobs -= 1
        poke()
    }

    /// Sleeps until the earliest scheduled post or retry; re-armed whenever that time changes.
    private func armTimer() {
        let earliest = [scheduledTimes.earliest, retryTimes.earliest].compactMap { $0 }.min()
        guard let earliest else {
            timer?.task.cancel()
            timer = nil
            return
        }
        if let timer, timer.due == earliest { return }
        timer?.task.cancel()
        let delay = max(0, earliest.timeIntervalSince(now()))
        let task = Task { [weak self] in
            do {
                try await Task.sleep(for: .nanoseconds(Int64(delay * 1e9)), tolerance: .milliseconds(1))
            } catch { return }
            await self?.timerFired()
        }
        timer = (earliest, task)
    }

    private func timerFired() {
        timer = nil
        poke()
    }

    // MARK: - Commits

    /// Commits one transaction durably. A fatal storage error stops the daemon: it recovers on restart.
    func commit(_ transaction: SpoolTransaction) async -> SpoolTransactionResult {
        do {
            return try await committer.commit(transaction)
        } catch {
            if fatalError == nil {
                logger.critical("storage failure, stopping: \(error)")
                fatalError = error
                stopping = true
                poke()
            }
            return .failed(SpoolError(.io, "storage failure: \(error)"))
        }
    }

    func log(_ level: Logger.Level, _ message: Logger.Message, post: String, _ extra: Logger.Metadata = [:]) {
        var metadata: Logger.Metadata = ["post": "\(post)"]
        metadata.merge(extra) { $1 }
        logger.log(level: level, message, metadata: metadata)
    }
}

/// A first-in first-out queue with O(1) pops.
struct FIFO<Element> {
    private var items: [Element] = []
    private var head = 0

    var isEmpty: Bool { head == items.count }

    mutating func append(_ item: Element) { items.append(item) }

    mutating func popFirst() -> Element? {
        guard head < items.count else { return nil }
        let item = items[head]
        head += 1
        if head > 1024 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        return item
    }
}
