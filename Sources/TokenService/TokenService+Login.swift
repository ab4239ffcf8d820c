import SecretSealing
import TokenDomain

extension TokenService {
    /// Checks a person's name and password: the operator, or `loginRefused`, the same for every
    /// reason (unknown name, wrong password, locked, disabled), so a refusal tells nothing.
    /// `context.actor` should not be the typed name (the server passes "(login)").
    ///
    /// The slow hash is checked before any transaction; the outcome is then recorded in one
    /// (the failed-login count and lock, as the policy's `login.*` settings say, and the audit).
    public func authenticate(name: String, password: [UInt8], context: OperationContext) async throws -> Operator {
        let record = try await repository.operatorRecord(named: name)
        // The slow hash on the login lane: a burst of logins must not take the cores sign-in checks run on.
        let matches = try await lanes.login.run {
            if let record {
                return record.account.kind == .person && PasswordHash.matches(password, record.verifier)
            }
            // The same slow hash for a name that does not exist, so the time taken does not tell.
            _ = PasswordHash.derive(password, salt: [UInt8](repeating: 0, count: 16), iterations: passwordIterations)
            return false
        }
        let accepted = try await transaction(context, operatorName: record == nil ? nil : name) { facts, loginStamp -> Decision<Operator?> in
            // Entries about an operator that exists are its own; an unknown name is never written
            // anywhere, not even as the actor (people type passwords into name fields).
            var stamp = loginStamp
            if facts.operatorRecord != nil { stamp.actor = name }
            guard var current = facts.operatorRecord else {
                return Decision(audit: [stamp.entry(.loginRefused(name: "(unknown)", reason: "no such operator"))], result: nil)
            }
            if current.account.disabled {
                return Decision(audit: [stamp.entry(.loginRefused(name: name, reason: "disabled"))], result: nil)
            }
            if let until = current.account.lockedUntil, until > stamp.at {
                return Decision(audit: [stamp.entry(.loginRefused(name: name, reason: "locked until \(until)"))], result: nil)
            }
            let policy = facts.policy
            var events: [AuditEvent] = []
            if let first = current.firstFailureAt, stamp.at - first >= Int64(policy.loginResetMinutes) * 60 || current.account.lockedUntil != nil {
                current.account.failedLogins = 0
                current.firstFailureAt = nil
                current.account.lockedUntil = nil
            }
            if matches {
                current.account.failedLogins = 0
                current.firstFailureAt = nil
                events.append(.loggedIn(name: name))
            } else {
                current.account.failedLogins += 1
                current.firstFailureAt = current.firstFailureAt ?? stamp.at
                events.append(.loginFailed(name: name, attempt: current.account.failedLogins, threshold: policy.loginThreshold))
                if current.account.failedLogins >= policy.loginThreshold {
                    let until = stamp.at + Int64(policy.loginLockMinutes) * 60
                    current.account.lockedUntil = until
                    events.append(.operatorLocked(name: name, until: until))
                }
            }
            let changed = current != facts.operatorRecord
            let locked = current.account.lockedUntil != nil
            return Decision(changes: (changed ? [.saveOperator(current)] : []) + (locked ? [.removeSessions(operatorName: name)] : []),
                            audit: events.map { stamp.entry($0) },
                            result: matches ? current.account : nil)
        }
        guard let accepted else { throw StoreError.loginRefused }
        return accepted
    }

    /// The operator whose API key this is, or `loginRefused` (unknown, disabled or locked alike).
    public func authenticate(apiKey: String) async throws -> Operator {
        guard APIKey.isWellFormed(apiKey), let record = try await repository.operatorRecord(verifier: APIKey.digest(apiKey)),
              record.account.kind == .program, record.account.mayAct(at: clock()) else { throw StoreError.loginRefused }
        return record.account
    }
}
