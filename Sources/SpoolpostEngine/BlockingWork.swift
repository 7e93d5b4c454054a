import SpoolpostCore
import Dispatch

/// Runs blocking file-system work off the cooperative thread pool (2 cores = 2 pool threads: a blocked
/// pool thread stalls every task).
enum BlockingWork {
    private static let queue = DispatchQueue(label: "spoolpost.files", qos: .userInitiated)

    static func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }

    /// The same, for work that fails with a ``SpoolpostError``.
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws(SpoolpostError) -> T) async throws(SpoolpostError) -> T {
        let result = await run { () -> Result<T, SpoolpostError> in
            do throws(SpoolpostError) { return .success(try body()) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
