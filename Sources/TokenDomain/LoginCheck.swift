/// The rules of a person's login, as one pure function beside `CodeCheck`: (the operator as stored,
/// policy, now, whether the password matched) -> (the operator to store, audit events, whether its
/// sessions end, the answer). Disabled and locked operators, the failure count's reset after
/// `login.reset-minutes`, and the lock after `login.threshold` failures all live here; the service
/// checks the slow hash outside any transaction, then calls `decide` on the row read under its lock.
public enum LoginCheck {
    public struct Decision: Sendable, Equatable {
        /// The operator as it must be stored (unchanged when nothing changed).
        public var record: OperatorRecord
        public var events: [AuditEvent]
        /// A new lock ends the operator's open sessions.
        public var endsSessions: Bool
        /// The operator, when the login is accepted.
        public var accepted: Operator?
    }

    public static func decide(_ stored: OperatorRecord, passwordMatches: Bool, policy: Policy, now: Int64) -> Decision {
        let name = stored.account.name
        if stored.account.disabled {
            return Decision(record: stored, events: [.loginRefused(name: name, reason: "disabled")], endsSessions: false, accepted: nil)
        }
        if let until = stored.account.lockedUntil, until > now {
            return Decision(record: stored, events: [.loginRefused(name: name, reason: "locked until \(until)")], endsSessions: false,
                            accepted: nil)
        }
        var current = stored
        // A lock that has run out, or failures older than the reset window, start the count again.
        if let first = current.firstFailureAt, now - first >= Int64(policy.loginResetMinutes) * 60 || current.account.lockedUntil != nil {
            current.account.failedLogins = 0
            current.firstFailureAt = nil
            current.account.lockedUntil = nil
        }
        if passwordMatches {
            current.account.failedLogins = 0
            current.firstFailureAt = nil
            return Decision(record: current, events: [.loggedIn(name: name)], endsSessions: false, accepted: current.account)
        }
        current.account.failedLogins += 1
        current.firstFailureAt = current.firstFailureAt ?? now
        var events: [AuditEvent] = [.loginFailed(name: name, attempt: current.account.failedLogins, threshold: policy.loginThreshold)]
        var locked = false
        if current.account.failedLogins >= policy.loginThreshold {
            let until = now + Int64(policy.loginLockMinutes) * 60
            current.account.lockedUntil = until
            events.append(.operatorLocked(name: name, until: until))
            locked = true
        }
        return Decision(record: current, events: events, endsSessions: locked, accepted: nil)
    }
}
