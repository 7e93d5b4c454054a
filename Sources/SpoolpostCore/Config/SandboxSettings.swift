/// The `sandbox:` section of spoolpost.yaml: failures the built-in sandbox injects on purpose, so a person can
/// watch spoolpost cope with rate limits, server errors, timeouts and broken connections.
///
/// Only the built-in sandbox reads it (`spoolpost run` when it plays the networks, `spoolpost sandbox`); real
/// networks never see it.
public struct SandboxSettings: Sendable, Hashable {
    /// `faults:`, in the order written: each counts its own matching requests, and when several fire for one
    /// request the first wins.
    public var faults: [SandboxFaultSetting]

    public init(faults: [SandboxFaultSetting] = []) {
        self.faults = faults
    }
}

/// One entry of `sandbox.faults`: which requests, counted from the sandbox's start, get which failure.
public struct SandboxFaultSetting: Sendable, Hashable {
    /// What a matching request gets instead of (or on top of) its normal answer.
    public enum Fault: Sendable, Hashable {
        /// `rate_limited`: 429 with `Retry-After` (the sandbox's default is 1 s when `retry_after` is absent).
        case rateLimited(retryAfter: Int?)
        /// `unavailable`: 503 with `Retry-After` (default 1 s).
        case unavailable(retryAfter: Int?)
        /// `server_error`: 500; `Retry-After` only when given.
        case serverError(retryAfter: Int?)
        /// `status`: any error status from 400 to 599; `Retry-After` only when given.
        case status(Int, retryAfter: Int?)
        /// `timeout`: no answer at all. The request is held `seconds` without being handled, then the connection
        /// is closed; with the default, longer than any request timeout spoolpost uses, the client gives up first.
        case timeout(seconds: Double)
        /// `reset`: the connection breaks before the request is handled (nothing is published).
        case reset
        /// `reset_after_handling`: the request is handled (the post IS published), then the connection breaks
        /// before the answer arrives: the lost-answer case.
        case resetAfterHandling
        /// `delay`: wait `seconds`, then handle the request normally.
        case delay(seconds: Double)
    }

    /// `timeout`'s hold when `seconds` is not given: longer than the longest request timeout spoolpost sets
    /// (900 s, for a YouTube upload chunk), so every client times out before the sandbox lets go.
    public static let defaultTimeoutSeconds: Double = 1000

    /// `path:`: requests whose path starts with this (e.g. `/graph.facebook.com/` or `/webhook/sandbox`).
    public var pathPrefix: String
    /// `method:`, upper case; nil matches every method.
    public var method: String?
    /// `skip:`: matching requests let through untouched before the fault starts.
    public var skip: Int
    /// `count:`: how many matching requests after the skipped ones get the fault; nil (`count: all`) is every one.
    public var count: Int?
    public var fault: Fault

    public init(pathPrefix: String, method: String? = nil, skip: Int = 0, count: Int?, fault: Fault) {
        self.pathPrefix = pathPrefix
        self.method = method
        self.skip = skip
        self.count = count
        self.fault = fault
    }
}
