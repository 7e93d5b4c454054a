import SpoolpostCore
import Dispatch

/// A lane for blocking file-system work, off the cooperative thread pool (2 cores = 2 pool threads: a blocked
/// pool thread stalls every task).
///
/// Work in one lane runs in order, one piece at a time. The engine, the media stager and the cleanup each have
/// their own lane, so hashing a large video does not hold up the engine's intake, and engines in one process
/// (the tests run dozens) never wait on each other's fsyncs.
struct BlockingWork: Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label, qos: .userInitiated)
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }

    /// The same, for work that fails with a ``SpoolpostError``.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws(SpoolpostError) -> T) async throws(SpoolpostError)
        -> T
    {
        let result = await run { () -> Result<T, SpoolpostError> in
            do throws(SpoolpostError) { return .success(try body()) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
