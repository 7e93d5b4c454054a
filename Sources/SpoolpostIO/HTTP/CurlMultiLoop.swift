import CCurl
import Dispatch
import Foundation
import Synchronization

/// libcurl is initialised once per process, on first use, before any handle exists.
private let curlGlobalInitSucceeded: Bool = curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK

/// The one thread that drives every transfer of an `HTTPClient` through a libcurl multi handle.
///
/// Other threads hand work over through `state` and wake the loop with `curl_multi_wakeup`; the multi handle and
/// the easy handles are touched only by the loop thread (apart from the thread-safe wakeup).
final class CurlMultiLoop: @unchecked Sendable {
    private struct State {
        var pending: [CurlTransfer] = []
        var cancellations: [CurlTransfer] = []
        var isStopping = false
        /// Set just before `curl_multi_cleanup`; from then on the multi handle must not be woken.
        var isClosed = false
    }

    private let multi: UnsafeMutableRawPointer
    private let userAgent: String
    private let state = Mutex(State())
    private let stopped = DispatchSemaphore(value: 0)
    /// Transfers added to the multi handle, by easy handle. Loop thread only.
    private var active: [UnsafeMutableRawPointer: CurlTransfer] = [:]

    init(userAgent: String, maxConnectionsPerHost: Int, maxTotalConnections: Int) throws(HTTPClientError) {
        guard curlGlobalInitSucceeded else {
            throw HTTPClientError(kind: .other, message: "libcurl failed to initialise", requestMayHaveBeenSent: false)
        }
        guard let multi = curl_multi_init() else {
            throw HTTPClientError(
                kind: .other, message: "libcurl could not create a multi handle", requestMayHaveBeenSent: false)
        }
        self.multi = multi
        self.userAgent = userAgent
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAX_HOST_CONNECTIONS, max(1, maxConnectionsPerHost))
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, max(1, maxTotalConnections))
        // The idle-connection cache must hold every connection we allow, or keep-alive is lost under load.
        _ = ccurl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, max(1, maxTotalConnections))

        let thread = Thread { [self] in run() }
        thread.name = "spoolpost-http"
        thread.start()
    }

    /// Queues `transfer`; its continuation is resumed exactly once, whatever happens.
    func submit(_ transfer: CurlTransfer, continuation: CurlTransfer.Continuation) {
        enum Verdict { case queued, cancelled, shutDown }
        // Checking the cancel flag under the state lock means a concurrent `cancel` either sets the flag before
        // this check or finds the transfer in `pending` afterwards; it cannot slip in between.
        let verdict = state.withLock { state -> Verdict in
            let cancelRequested = transfer.control.withLock { control in
                control.continuation = continuation
                return control.cancelRequested
            }
            if cancelRequested { return .cancelled }
            if state.isStopping { return .shutDown }
            state.pending.append(transfer)
            return .queued
        }
        switch verdict {
        case .queued:
            wakeLoop()
        case .cancelled:
            transfer.finish(.failure(transfer.failure(.cancelled, "request cancelled", sent: false)))
        case .shutDown:
            transfer.finish(.failure(transfer.failure(.cancelled, "HTTP client is shut down", sent: false)))
        }
    }

    /// Cancels `transfer` if it has not finished; callable from any thread, before or after `submit`.
    func cancel(_ transfer: CurlTransfer) {
        transfer.control.withLock { $0.cancelRequested = true }
        let wasPending = state.withLock { state in
            if let index = state.pending.firstIndex(where: { $0 === transfer }) {
                state.pending.remove(at: index)
                return true
            }
            state.cancellations.append(transfer)
            return false
        }
        if wasPending {
            transfer.finish(.failure(transfer.failure(.cancelled, "request cancelled", sent: false)))
        } else {
            wakeLoop()
        }
    }

    /// Fails queued and in-flight transfers with `.cancelled`, then waits for the loop thread to exit.
    func shutdown() {
        let (firstCall, queued) = state.withLock { state in
            defer {
                state.isStopping = true
                state.pending.removeAll()
            }
            return (!state.isStopping, state.pending)
        }
        guard firstCall else { return }
        for transfer in queued {
            transfer.finish(.failure(transfer.failure(.cancelled, "HTTP client shut down", sent: false)))
        }
        wakeLoop()
        stopped.wait()
    }

    /// Wakes the loop thread unless the multi handle is already gone. A task can be cancelled after the client
    /// shut down (its cancellation handler may run after its transfer finished), and waking a freed handle would
    /// touch freed memory; holding the lock across the wakeup keeps `run` from freeing it meanwhile.
    private func wakeLoop() {
        state.withLock { state in
            if !state.isClosed { curl_multi_wakeup(multi) }
        }
    }

    // MARK: - Loop thread

    private func run() {
        while true {
            let (added, cancelled, stopping) = state.withLock { state in
                defer {
                    state.pending.removeAll()
                    state.cancellations.removeAll()
                }
                return (state.pending, state.cancellations, state.isStopping)
            }
            for transfer in added {
                start(transfer)
            }
            for transfer in cancelled where transfer.isActive {
                let sent = transfer.requestBytesIssued > 0
                detach(transfer)
                transfer.finish(.failure(transfer.failure(.cancelled, "request cancelled", sent: sent)))
            }
            if stopping { break }

            var running: Int32 = 0
            _ = curl_multi_perform(multi, &running)
            collectFinishedTransfers()
            // Returns on socket activity, on libcurl's next timer, on curl_multi_wakeup, or after a second.
            _ = curl_multi_poll(multi, nil, 0, 1000, nil)
        }
        for transfer in Array(active.values) {
            let sent = transfer.requestBytesIssued > 0
            detach(transfer)
            transfer.finish(.failure(transfer.failure(.cancelled, "HTTP client shut down", sent: sent)))
        }
        state.withLock { $0.isClosed = true }
        curl_multi_cleanup(multi)
        stopped.signal()
    }

    private func start(_ transfer: CurlTransfer) {
        let easy: UnsafeMutableRawPointer
        do {
            easy = try transfer.prepare(userAgent: userAgent)
        } catch {
            transfer.cleanUp()
            transfer.finish(.failure(error))
            return
        }
        let code = curl_multi_add_handle(multi, easy)
        guard code == CURLM_OK else {
            let reason = String(cString: curl_multi_strerror(code))
            transfer.cleanUp()
            transfer.finish(.failure(transfer.failure(.other, "libcurl refused the transfer: \(reason)", sent: false)))
            return
        }
        active[easy] = transfer
        transfer.isActive = true
    }

    private func collectFinishedTransfers() {
        var queued: Int32 = 0
        while let message = curl_multi_info_read(multi, &queued) {
            guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle,
                let transfer = active[easy]
            else { continue }
            let outcome = transfer.outcome(for: message.pointee.data.result)
            detach(transfer)
            transfer.finish(outcome)
        }
    }

    private func detach(_ transfer: CurlTransfer) {
        if let easy = transfer.easy {
            curl_multi_remove_handle(multi, easy)
            active[easy] = nil
        }
        transfer.isActive = false
        transfer.cleanUp()
    }
}
