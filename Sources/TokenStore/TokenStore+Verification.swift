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
            return try check(db, state: state, code: code, action: "token.activate") { (key, state, policy, code, time) throws(Verification.Failure) in
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
            return try check(db, state: state, code: code, action: "token.verify") { (key, state, policy, code, time) throws(Verification.Failure) in
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
                return try refuseMalformed(db, state: state, action: "token.resync")
            }
            return try check(db, state: state, code: first, action: "token.resync") { (key, state, policy, code, time) throws(Verification.Failure) in
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

    /// The common path of every code check: lockout, counter reset, the search, and what it records.
    private func check(_ db: Database, state: TokenState, code: String, action: String, search: Search) throws -> CheckOutcome {
        var state = state
        let policy = try Policy.load(db)
        let time = now()
        var outcome = CheckOutcome(serial: state.serial, upn: state.upn, accepted: false, failedAttempts: state.failedAttempts,
                                   lockoutThreshold: policy.lockoutThreshold, lockedUntil: state.lockedUntil)
        if let lockedUntil = state.lockedUntil {
            if lockedUntil > time {
                outcome.reason = .tokenLocked
                try audit(db, action: action + ".refused", serial: state.serial, upn: state.upn, detail: "token_locked until \(lockedUntil)")
                return outcome
            }
            state.lockedUntil = nil
            state.failedAttempts = 0
            state.firstFailureAt = nil
            try audit(db, action: "token.unlock", serial: state.serial, upn: state.upn, detail: "lock expired")
        }
        if let first = state.firstFailureAt, time - first >= Int64(policy.lockoutResetMinutes) * 60 {
            state.failedAttempts = 0
            state.firstFailureAt = nil
        }
        let value: UInt32
        do { value = try Verification.parseCode(code, digits: state.digits) } catch {
            return try refuseMalformed(db, state: state, action: action)
        }
        let secret: Secret
        do { secret = try box.open(state.sealed, serial: state.serial) } catch { throw StoreError.wrongKey }
        let key = HMACKey(secret: secret, algorithm: state.hash)
        let result = Result { () throws(Verification.Failure) in try search(key, state, policy, value, UInt64(max(0, time))) }
        switch result {
        case let .success(match):
            try db.execute(sql: """
                UPDATE token SET status = 'activated', drift = ?, last_used_step = ?, failed_attempts = 0, first_failure_at = NULL,
                locked_until = NULL, updated_at = ? WHERE serial_key = lower(?)
                """, arguments: [match.drift, Int64(match.step), time, state.serial])
            try audit(db, action: action, serial: state.serial, upn: state.upn, detail: "accepted, drift \(match.drift) steps")
            outcome.accepted = true
            outcome.drift = match.drift
            outcome.driftSeconds = match.drift * state.interval
            outcome.step = Int64(match.step)
            outcome.failedAttempts = 0
            outcome.lockedUntil = nil
            return outcome
        case let .failure(error):
            let reason: Refusal = if case .replayed = error { .codeReused } else { .wrongCode }
            state.failedAttempts += 1
            state.firstFailureAt = state.firstFailureAt ?? time
            let locks = state.failedAttempts >= policy.lockoutThreshold
            if locks { state.lockedUntil = time + Int64(policy.lockoutDurationMinutes) * 60 }
            let status = action == "token.activate" && state.status != .activated ? TokenStatus.failedActivation : state.status
            try db.execute(sql: """
                UPDATE token SET status = ?, failed_attempts = ?, first_failure_at = ?, locked_until = ?, updated_at = ? WHERE serial_key = lower(?)
                """, arguments: [status.rawValue, state.failedAttempts, state.firstFailureAt, state.lockedUntil, time, state.serial])
            try audit(db, action: action + ".refused", serial: state.serial, upn: state.upn,
                      detail: "\(reason.rawValue), denied attempt \(state.failedAttempts) of \(policy.lockoutThreshold)")
            if locks {
                try audit(db, action: "token.lock", serial: state.serial, upn: state.upn, detail: "locked until \(state.lockedUntil!)")
            }
            outcome.reason = reason
            outcome.failedAttempts = state.failedAttempts
            outcome.lockedUntil = state.lockedUntil
            return outcome
        }
    }

    /// A code that is not N digits: a typing slip, refused and audited but not counted toward the lockout.
    private func refuseMalformed(_ db: Database, state: TokenState, action: String) throws -> CheckOutcome {
        try audit(db, action: action + ".refused", serial: state.serial, upn: state.upn, detail: "code_malformed")
        let policy = try Policy.load(db)
        return CheckOutcome(serial: state.serial, upn: state.upn, accepted: false, reason: .codeMalformed,
                            failedAttempts: state.failedAttempts, lockoutThreshold: policy.lockoutThreshold, lockedUntil: state.lockedUntil)
    }
}
