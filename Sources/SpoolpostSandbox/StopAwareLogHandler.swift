import Logging
import Synchronization

/// Set once the sandbox is asked to stop.
final class StopSignal: Sendable {
    private let stopping = Atomic(false)

    func trigger() { stopping.store(true, ordering: .relaxed) }
    var isTriggered: Bool { stopping.load(ordering: .relaxed) }
}

/// The log handler given to Hummingbird: passes everything through, except that once the sandbox is stopping,
/// warnings and errors (Hummingbird reports its own cancellation as an error) are logged at debug level,
/// because stopping by cancellation is the normal way to end the sandbox.
struct StopAwareLogHandler: LogHandler {
    var wrapped: any LogHandler
    let stopSignal: StopSignal

    func log(event: LogEvent) {
        guard stopSignal.isTriggered, event.level > .info else {
            wrapped.log(event: event)
            return
        }
        guard wrapped.logLevel <= .debug else { return }
        var demoted = event
        demoted.level = .debug
        wrapped.log(event: demoted)
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { wrapped[metadataKey: key] }
        set { wrapped[metadataKey: key] = newValue }
    }

    var metadata: Logger.Metadata {
        get { wrapped.metadata }
        set { wrapped.metadata = newValue }
    }

    var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { wrapped.metadataProvider }
        set { wrapped.metadataProvider = newValue }
    }
}
