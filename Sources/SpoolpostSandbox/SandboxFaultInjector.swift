import Synchronization

/// Counts requests against the installed `SandboxFaults` plan and says which fault, if any, a request gets.
/// Shared by every simulator so one plan covers all paths.
public final class SandboxFaultInjector: Sendable {
    private struct State {
        var rules: [SandboxFaultRule]
        var matchedCounts: [Int]
        var firedCount = 0
    }

    private let state: Mutex<State>

    public init(_ faults: SandboxFaults) {
        state = Mutex(State(rules: faults.rules, matchedCounts: Array(repeating: 0, count: faults.rules.count)))
    }

    /// Installs a new plan, counting from zero again.
    public func replace(with faults: SandboxFaults) {
        state.withLock { state in
            state = State(rules: faults.rules, matchedCounts: Array(repeating: 0, count: faults.rules.count))
        }
    }

    /// How many requests a fault fired for since the plan was installed.
    public var firedCount: Int { state.withLock { $0.firedCount } }

    /// Counts this request against every rule it matches and returns the action of the first rule that fires.
    public func action(method: String, path: String) -> SandboxFaultAction? {
        state.withLock { state in
            var chosen: SandboxFaultAction?
            for index in state.rules.indices {
                let rule = state.rules[index]
                guard path.hasPrefix(rule.pathPrefix) else { continue }
                if let ruleMethod = rule.method, ruleMethod.uppercased() != method.uppercased() { continue }
                state.matchedCounts[index] += 1
                let ordinal = state.matchedCounts[index]
                // Subtracting, not adding, so `count: Int.max` (every request) cannot overflow.
                if chosen == nil, ordinal > rule.skip, ordinal - rule.skip <= rule.count {
                    chosen = rule.action
                }
            }
            if chosen != nil { state.firedCount += 1 }
            return chosen
        }
    }
}
