import Foundation
import SpoolpostCore
import SpoolpostIO
import Testing

/// The classifier's own rule: "A request that may have left is an unknown outcome unless the caller knows
/// repeating it is safe". These kinds ignore `requestMayHaveBeenSent`, so a non-repeatable request that may
/// have been published is retried automatically, which can publish it twice.
@Suite struct HTTPFailureClassifierSentRequestTests {
    static func classify(_ kind: HTTPClientError.Kind) -> SpoolpostError {
        HTTPFailureClassifier.classify(
            HTTPClientError(kind: kind, message: "POST hooks.example/in: boom", requestMayHaveBeenSent: true),
            service: "webhook 'hooks'", repeatable: false)
    }

    @Test
    func anOversizedAnswerToASentNonRepeatableRequestIsAnUnknownOutcome() {
        let error = Self.classify(.responseTooLarge)
        #expect(error.code == .unknownOutcome)
        #expect(!error.isRetryable)
    }

    @Test
    func aCancelledSentNonRepeatableRequestIsAnUnknownOutcome() {
        let error = Self.classify(.cancelled)
        #expect(error.code == .unknownOutcome)
        #expect(!error.isRetryable)
    }

    @Test
    func anotherFailureOfASentNonRepeatableRequestIsAnUnknownOutcome() {
        let error = Self.classify(.other)
        #expect(error.code == .unknownOutcome)
        #expect(!error.isRetryable)
    }
}
