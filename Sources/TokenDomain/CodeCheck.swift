/// The rules of a code check, as one pure function: (token state, policy, now, the engine's
/// search) -> (new state, audit events, outcome). Lock expiry, the denial counter's reset, the
/// lockout, the replay floor, drift and the `activated`/`failedActivation` status all live here;
/// a store loads the state under its write lock, calls `decide`, and saves what it returns.
public enum CodeCheck {
    /// What is being done with the code.
    public enum Kind: String, Sendable, CaseIterable {
        case activate = "token.activate"
        case verify = "token.verify"
        case resync = "token.resync"
    }

    /// The part of a token that a code check reads and changes.
    public struct State: Sendable, Equatable {
        public var status: TokenStatus
        /// Steps the token's clock is ahead (negative: behind), learnt from accepted codes.
        public var drift: Int
        /// The step of the last accepted code: no code at or before it is accepted again.
        public var lastUsedStep: Int64?
        public var failedAttempts: Int
        public var firstFailureAt: Int64?
        public var lockedUntil: Int64?

        public init(status: TokenStatus, drift: Int = 0, lastUsedStep: Int64? = nil, failedAttempts: Int = 0,
                    firstFailureAt: Int64? = nil, lockedUntil: Int64? = nil) {
            self.status = status
            self.drift = drift
            self.lastUsedStep = lastUsedStep
            self.failedAttempts = failedAttempts
            self.firstFailureAt = firstFailureAt
            self.lockedUntil = lockedUntil
        }
    }

    /// What the engine's window search found (OATHCore's `Verification`), or that the code was not a code.
    public enum SearchResult: Sendable, Equatable {
        case accepted(drift: Int, step: UInt64)
        case wrongCode
        /// The code matches a step at or before the replay floor.
        case replayed
        /// Not the digits a token shows: a typing slip, not counted toward the lockout.
        case malformed
    }

    /// The new state, what to record, and the answer.
    public struct Decision: Sendable, Equatable {
        public var state: State
        public var events: [AuditEvent]
        public var accepted: Bool
        public var reason: Refusal?
        /// The drift and step accepted, when accepted.
        public var drift: Int?
        public var step: Int64?
    }

    /// Decides a code check.
    ///
    /// - Parameters:
    ///   - search: runs the engine's window search on the state after lock expiry and the
    ///     counter's reset; it is never called for a locked token.
    /// - Returns: the decision; `state` is what the store saves (it may equal the input).
    public static func decide(state: State, policy: Policy, now: Int64, kind: Kind,
                              search: (State) throws -> SearchResult) rethrows -> Decision {
        var state = state
        var events: [AuditEvent] = []
        if let lockedUntil = state.lockedUntil {
            if lockedUntil > now {
                return Decision(state: state, events: [.refusedLocked(kind, until: lockedUntil)], accepted: false, reason: .tokenLocked)
            }
            state.lockedUntil = nil
            state.failedAttempts = 0
            state.firstFailureAt = nil
            events.append(.lockExpired)
        }
        if let first = state.firstFailureAt, now - first >= Int64(policy.lockoutResetMinutes) * 60 {
            state.failedAttempts = 0
            state.firstFailureAt = nil
        }
        let result = try search(state)
        switch result {
        case .malformed:
            events.append(.refusedMalformed(kind))
            return Decision(state: state, events: events, accepted: false, reason: .codeMalformed)
        case let .accepted(drift, step):
            state.status = .activated
            state.drift = drift
            state.lastUsedStep = Int64(clamping: step)
            state.failedAttempts = 0
            state.firstFailureAt = nil
            state.lockedUntil = nil
            events.append(.accepted(kind, drift: drift))
            return Decision(state: state, events: events, accepted: true, drift: drift, step: Int64(clamping: step))
        case .wrongCode, .replayed:
            let reason: Refusal = result == .replayed ? .codeReused : .wrongCode
            state.failedAttempts += 1
            state.firstFailureAt = state.firstFailureAt ?? now
            if kind == .activate, state.status != .activated { state.status = .failedActivation }
            events.append(.refused(kind, reason, attempt: state.failedAttempts, threshold: policy.lockoutThreshold))
            if state.failedAttempts >= policy.lockoutThreshold {
                let until = now + Int64(policy.lockoutDurationMinutes) * 60
                state.lockedUntil = until
                events.append(.locked(until: until))
            }
            return Decision(state: state, events: events, accepted: false, reason: reason)
        }
    }
}
