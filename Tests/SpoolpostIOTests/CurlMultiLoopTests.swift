import Foundation
@testable import SpoolpostIO
import Testing

/// The transfer thread's hand-over rules, below `HTTPClient`.
@Suite struct CurlMultiLoopTests {
    /// A task's cancellation handler can run after its transfer finished and the client shut down; the loop must
    /// not wake the multi handle it has freed by then. (Under AddressSanitizer the old code was a use after free.)
    @Test func cancellingAfterShutdownTouchesNothingFreed() async throws {
        let loop = try CurlMultiLoop(userAgent: "test", maxConnectionsPerHost: 1, maxTotalConnections: 1)
        let transfer = CurlTransfer(request: HTTPRequest(url: "http://127.0.0.1:9/never-sent"))
        loop.shutdown()
        let outcome = await withCheckedContinuation { continuation in
            loop.submit(transfer, continuation: continuation)
        }
        guard case .failure(let error) = outcome else {
            Issue.record("a request submitted after shutdown was sent")
            return
        }
        #expect(error.kind == .cancelled)
        #expect(!error.requestMayHaveBeenSent)
        loop.cancel(transfer)
        loop.cancel(CurlTransfer(request: HTTPRequest(url: "http://127.0.0.1:9/other")))
    }
}
