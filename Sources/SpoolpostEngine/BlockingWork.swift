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
}
