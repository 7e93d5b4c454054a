import SpoolpostCore

extension SandboxFaults {
    /// The plan a config file's `sandbox.faults` describes, rule for rule and in the same order.
    public init(settings: SandboxSettings) {
        self.init(settings.faults.map(SandboxFaultRule.init(setting:)))
    }
}

extension SandboxFaultRule {
    /// One rule from a `sandbox.faults` entry; `count: all` becomes `Int.max`.
    public init(setting: SandboxFaultSetting) {
        self.init(
            pathPrefix: setting.pathPrefix, method: setting.method, skip: setting.skip, count: setting.count ?? .max,
            action: SandboxFaultAction(setting.fault))
    }
}

extension SandboxFaultAction {
    /// The action for a configured fault; the status faults keep the sandbox's `Retry-After` defaults.
    public init(_ fault: SandboxFaultSetting.Fault) {
        switch fault {
        case .rateLimited(let retryAfter): self = .status(429, retryAfterSeconds: retryAfter)
        case .unavailable(let retryAfter): self = .status(503, retryAfterSeconds: retryAfter)
        case .serverError(let retryAfter): self = .status(500, retryAfterSeconds: retryAfter)
        case .status(let code, let retryAfter): self = .status(code, retryAfterSeconds: retryAfter)
        case .timeout(let seconds): self = .timeout(seconds: seconds)
        case .reset: self = .breakConnection(afterHandling: false)
        case .resetAfterHandling: self = .breakConnection(afterHandling: true)
        case .delay(let seconds): self = .delay(seconds: seconds)
        }
    }
}
