import Foundation
import GRDB
import OATHCore

/// The state a code check reads and writes, secret still sealed.
struct TokenState {
    var serial: String
    var sealed: [UInt8]
    var upn: String?
    var status: TokenStatus
    var interval: Int
    var digits: Int
    var hash: HashAlgorithm
    var drift: Int
    var lastUsedStep: Int64?
    var failedAttempts: Int
    var firstFailureAt: Int64?
    var lockedUntil: Int64?

    /// The part the code-check rules read and change.
    var check: CodeCheck.State {
        get {
            CodeCheck.State(status: status, drift: drift, lastUsedStep: lastUsedStep, failedAttempts: failedAttempts,
                            firstFailureAt: firstFailureAt, lockedUntil: lockedUntil)
        }
        set {
            status = newValue.status
            drift = newValue.drift
            lastUsedStep = newValue.lastUsedStep
            failedAttempts = newValue.failedAttempts
            firstFailureAt = newValue.firstFailureAt
            lockedUntil = newValue.lockedUntil
        }
    }

    static func fetch(_ db: Database, serial: String) throws -> TokenState {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT serial, sealed_secret, upn, status, interval, digits, hash, drift, last_used_step, failed_attempts, first_failure_at, locked_until
            FROM token WHERE serial_key = lower(?)
            """, arguments: [serial]) else { throw StoreError.tokenNotFound(serial: serial) }
        return TokenState(serial: row["serial"], sealed: Array(row["sealed_secret"] as Data), upn: row["upn"],
                          status: TokenStatus(rawValue: row["status"]) ?? .available, interval: row["interval"], digits: row["digits"],
                          hash: HashAlgorithm(rawValue: row["hash"]) ?? .sha1, drift: row["drift"], lastUsedStep: row["last_used_step"],
                          failedAttempts: row["failed_attempts"], firstFailureAt: row["first_failure_at"], lockedUntil: row["locked_until"])
    }
}

extension TokenStore {
    /// Activates an assigned token with the code it shows, searching the policy's wide activation window.
    ///
    /// - Parameter user: assign the token to this user first, in the same transaction and under the same rules.
    /// - Returns: accepted with the drift found, or refused with the reason; a refusal is recorded (counter, lockout, audit).
    public func activate(serial: String, code: String, user: String? = nil) throws -> CheckOutcome {
        try write { db in
            if let user { try assignInTransaction(db, serial: serial, upn: user) }
            let state = try TokenState.fetch(db, serial: serial)
            guard state.upn != nil else { throw StoreError.notAssigned(serial: serial) }
            return try check(db, state: state, code: code, kind: .activate) { (key, state, policy, code, time) throws(Verification.Failure) in
                try Verification.verify(code: code, key: key, request: .init(
                    time: time, step: UInt64(state.interval), digits: state.digits,
                    window: policy.activationWindowSteps(interval: state.interval), drift: 0,
                    lastUsedStep: state.lastUsedStep.map { UInt64($0) }))
            }
        }
    }

    /// Checks a sign-in code: a small window around now plus the stored drift, the replay floor, the lockout.
    public func verify(serial: String, code: String) throws -> CheckOutcome {
        try write { db in
            let state = try TokenState.fetch(db, serial: serial)
            guard state.status == .activated else { throw StoreError.notActivated(serial: serial, status: state.status.rawValue) }
            return try check(db, state: state, code: code, kind: .verify) { (key, state, policy, code, time) throws(Verification.Failure) in
                try Verification.verify(code: code, key: key, request: .init(
                    time: time, step: UInt64(state.interval), digits: state.digits, window: policy.verifyWindowSteps,
                    drift: state.drift, lastUsedStep: state.lastUsedStep.map { UInt64($0) }))
            }
        }
    }

    /// Re-synchronises a token from two consecutive codes searched over the wide resync window.
    public func resync(serial: String, first: String, second: String) throws -> CheckOutcome {
        try write { db in
            let state = try TokenState.fetch(db, serial: serial)
            guard state.upn != nil else { throw StoreError.notAssigned(serial: serial) }
            let secondValue: UInt32
            do { secondValue = try Verification.parseCode(second, digits: state.digits) } catch {
                return try check(db, state: state, code: first, kind: .resync) { _, state, _, _, _ throws(Verification.Failure) in
                    throw .malformedCode(expectedDigits: state.digits)
                }
            }
            return try check(db, state: state, code: first, kind: .resync) { (key, state, policy, code, time) throws(Verification.Failure) in
                try Verification.resync(first: code, second: secondValue, key: key, request: .init(
                    time: time, step: UInt64(state.interval), digits: state.digits,
                    window: policy.resyncWindowSeconds / state.interval, drift: 0,
                    lastUsedStep: state.lastUsedStep.map { UInt64($0) }))
            }
        }
    }

    /// Ends a lockout early and clears the denial counter. Returns whether the token was locked.
    @discardableResult
    public func unlock(serial: String) throws -> Bool {
        try write { db in
            let state = try TokenState.fetch(db, serial: serial)
            let wasLocked = (state.lockedUntil ?? 0) > now()
            try db.execute(sql: "UPDATE token SET failed_attempts = 0, first_failure_at = NULL, locked_until = NULL, updated_at = ? WHERE serial_key = lower(?)",
                           arguments: [now(), state.serial])
            try audit(db, action: "token.unlock", serial: state.serial, upn: state.upn, detail: wasLocked ? "manual" : "manual, was not locked")
            return wasLocked
        }
    }

    private typealias Search = (HMACKey, TokenState, Policy, UInt32, UInt64) throws(Verification.Failure) -> Verification.Match

    /// The common path of every code check: the rules decide (`CodeCheck`), this records what they decided.
    private func check(_ db: Database, state: TokenState, code: String, kind: CodeCheck.Kind, search: Search) throws -> CheckOutcome {
        let policy = try Policy.load(db)
        let time = now()
        let decision = try CodeCheck.decide(state: state.check, policy: policy, now: time, kind: kind) { current in
            var searched = state
            searched.check = current
            guard let value = try? Verification.parseCode(code, digits: state.digits) else { return .malformed }
            let secret: Secret
            do { secret = try box.open(state.sealed, serial: state.serial) } catch { throw StoreError.wrongKey }
            let key = HMACKey(secret: secret, algorithm: state.hash)
            let result = Result { () throws(Verification.Failure) in try search(key, searched, policy, value, UInt64(max(0, time))) }
            switch result {
            case let .success(match): return .accepted(drift: match.drift, step: match.step)
            case .failure(.replayed): return .replayed
            case .failure(.malformedCode): return .malformed
            case .failure(.wrongCode): return .wrongCode
            }
        }
        var saved = state
        saved.check = decision.state
        if saved.check != state.check {
            try db.execute(sql: """
                UPDATE token SET status = ?, drift = ?, last_used_step = ?, failed_attempts = ?, first_failure_at = ?, locked_until = ?,
                updated_at = ? WHERE serial_key = lower(?)
                """, arguments: [saved.status.rawValue, saved.drift, saved.lastUsedStep, saved.failedAttempts, saved.firstFailureAt,
                                 saved.lockedUntil, time, state.serial])
        }
        for event in decision.events {
            try audit(db, action: event.action, serial: state.serial, upn: state.upn, detail: event.detail)
        }
        return CheckOutcome(serial: state.serial, upn: state.upn, accepted: decision.accepted, reason: decision.reason,
                            drift: decision.drift, driftSeconds: decision.drift.map { $0 * state.interval }, step: decision.step,
                            failedAttempts: saved.failedAttempts, lockoutThreshold: policy.lockoutThreshold, lockedUntil: saved.lockedUntil)
    }
}
