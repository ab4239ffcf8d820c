import OATHCore
import TokenDomain

extension TokenService {
    /// Activates an assigned token with the code it shows, searching the policy's wide activation window.
    ///
    /// - Parameter user: assign the token to this user first, in the same transaction and under the same rules.
    /// - Returns: accepted with the drift found, or refused with the reason; a refusal is recorded (counter, lockout, audit).
    public func activate(serial: String, code: String, user: String? = nil, context: OperationContext) async throws -> CheckOutcome {
        if let user, let problem = UPN.problem(in: user) { throw StoreError.invalidUser(problem) }
        return try await transaction(context, serial: serial, userKey: user.map(UPN.key)) { facts, stamp in
            var record = try Self.required(facts, serial: serial)
            var assignment = Decision<Void>(result: ())
            if let user {
                assignment = try Self.assignment(facts, serial: serial, upn: user, stamp: stamp)
                if record.token.upn == nil {
                    record.token.upn = user
                    record.token.status = .assigned
                }
            }
            guard record.token.upn != nil else { throw StoreError.notAssigned(serial: record.token.serial) }
            var check = try self.check(record, code: code, kind: .activate, policy: facts.policy, stamp: stamp) { (key, state, policy, code, time) throws(Verification.Failure) in
                try Verification.verify(code: code, key: key, request: .init(
                    time: time, step: UInt64(state.token.interval), digits: state.token.digits,
                    window: policy.activationWindowSteps(interval: state.token.interval), drift: 0,
                    lastUsedStep: state.token.lastUsedStep.map { UInt64($0) }))
            }
            check.changes = assignment.changes + check.changes
            check.audit = assignment.audit + check.audit
            return check
        }
    }

    /// Checks a sign-in code: a small window around now plus the stored drift, the replay floor, the lockout.
    public func verify(serial: String, code: String, context: OperationContext) async throws -> CheckOutcome {
        try await transaction(context, serial: serial) { facts, stamp in
            let record = try Self.required(facts, serial: serial)
            guard record.token.status == .activated else {
                throw StoreError.notActivated(serial: record.token.serial, status: record.token.status.rawValue)
            }
            return try self.check(record, code: code, kind: .verify, policy: facts.policy, stamp: stamp) { (key, state, policy, code, time) throws(Verification.Failure) in
                try Verification.verify(code: code, key: key, request: Self.signInRequest(state, policy: policy, time: time))
            }
        }
    }

    /// Re-synchronises a token from two consecutive codes searched over the wide resync window.
    public func resync(serial: String, first: String, second: String, context: OperationContext) async throws -> CheckOutcome {
        try await transaction(context, serial: serial) { facts, stamp in
            let record = try Self.required(facts, serial: serial)
            guard record.token.upn != nil else { throw StoreError.notAssigned(serial: record.token.serial) }
            guard let secondValue = try? Verification.parseCode(second, digits: record.token.digits) else {
                return try self.check(record, code: first, kind: .resync, policy: facts.policy, stamp: stamp) { (_, state, _, _, _) throws(Verification.Failure) in
                    throw .malformedCode(expectedDigits: state.token.digits)
                }
            }
            return try self.check(record, code: first, kind: .resync, policy: facts.policy, stamp: stamp) { (key, state, policy, code, time) throws(Verification.Failure) in
                try Verification.resync(first: code, second: secondValue, key: key, request: .init(
                    time: time, step: UInt64(state.token.interval), digits: state.token.digits,
                    window: policy.resyncWindowSeconds / state.token.interval, drift: 0,
                    lastUsedStep: state.token.lastUsedStep.map { UInt64($0) }))
            }
        }
    }

    /// Ends a lockout early and clears the denial counter. Returns whether the token was locked.
    @discardableResult
    public func unlock(serial: String, context: OperationContext) async throws -> Bool {
        try await transaction(context, serial: serial) { facts, stamp in
            let record = try Self.required(facts, serial: serial)
            let wasLocked = (record.token.lockedUntil ?? 0) > stamp.at
            var state = record.check
            state.failedAttempts = 0
            state.firstFailureAt = nil
            state.lockedUntil = nil
            return Decision(changes: [.saveCheck(serial: record.token.serial, state)],
                            audit: [stamp.entry(.unlocked(wasLocked: wasLocked), serial: record.token.serial, upn: record.token.upn)],
                            result: wasLocked)
        }
    }

    /// A sign-in check's search: the policy's small window around now plus the token's drift,
    /// above the replay floor unless `replays` (a probe that records nothing may match a used code).
    static func signInRequest(_ record: TokenRecord, policy: Policy, time: UInt64, replays: Bool = false) -> Verification.Request {
        Verification.Request(time: time, step: UInt64(record.token.interval), digits: record.token.digits, window: policy.verifyWindowSteps,
                             drift: record.token.drift, lastUsedStep: replays ? nil : record.token.lastUsedStep.map { UInt64($0) })
    }

    typealias Search = (HMACKey, TokenRecord, Policy, UInt32, UInt64) throws(Verification.Failure) -> Verification.Match

    /// The common path of every code check: the rules decide (`CodeCheck`); this says what to record.
    func check(_ record: TokenRecord, code: String, kind: CodeCheck.Kind, policy: Policy, stamp: AuditStamp,
                       search: Search) throws -> Decision<CheckOutcome> {
        let time = stamp.at
        let serial = record.token.serial
        let decision = try CodeCheck.decide(state: record.check, policy: policy, now: time, kind: kind) { current in
            var searched = record
            searched.check = current
            guard let value = try? Verification.parseCode(code, digits: record.token.digits) else { return .malformed }
            let secret: Secret
            do { secret = try vault.box.open(record.sealed, serial: serial) } catch { throw StoreError.wrongKey }
            let key = HMACKey(secret: secret, algorithm: HashAlgorithm(rawValue: record.token.hash) ?? .sha1)
            let result = Result { () throws(Verification.Failure) in try search(key, searched, policy, value, UInt64(max(0, time))) }
            switch result {
            case let .success(match): return .accepted(drift: match.drift, step: match.step)
            case .failure(.replayed): return .replayed
            case .failure(.malformedCode): return .malformed
            case .failure(.wrongCode): return .wrongCode
            }
        }
        var saved = record
        saved.check = decision.state
        let outcome = CheckOutcome(serial: serial, upn: record.token.upn, accepted: decision.accepted, reason: decision.reason,
                                   drift: decision.drift, driftSeconds: decision.drift.map { $0 * record.token.interval },
                                   step: decision.step, failedAttempts: saved.token.failedAttempts,
                                   lockoutThreshold: policy.lockoutThreshold, lockedUntil: saved.token.lockedUntil)
        return Decision(changes: saved.check == record.check ? [] : [.saveCheck(serial: serial, decision.state)],
                        audit: decision.events.map { stamp.entry($0, serial: serial, upn: record.token.upn) }, result: outcome)
    }
}
