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
            guard let stored = facts.operatorRecord else {
                return Decision(audit: [stamp.entry(.loginRefused(name: "(unknown)", reason: "no such operator"))], result: nil)
            }
            let decision = LoginCheck.decide(stored, passwordMatches: matches, policy: facts.policy, now: stamp.at)
            return Decision(changes: (decision.record != stored ? [.saveOperator(decision.record)] : [])
                                + (decision.endsSessions ? [.removeSessions(operatorName: name)] : []),
                            audit: decision.events.map { stamp.entry($0) }, result: decision.accepted)
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
