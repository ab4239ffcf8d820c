/// Why a code was refused, as scripts read it (`reason` in JSON).
public enum Refusal: String, Codable, Sendable {
    case wrongCode = "wrong_code"
    case codeReused = "code_reused"
    case tokenLocked = "token_locked"
    case codeMalformed = "code_malformed"
}

/// The result of checking a code against a stored token: activation, sign-in verification or resync.
public struct CheckOutcome: Codable, Sendable, Equatable {
    public var serial: String
    public var upn: String?
    public var accepted: Bool
    public var reason: Refusal?
    /// Steps the token's clock is ahead (negative: behind), when accepted.
    public var drift: Int?
    public var driftSeconds: Int?
    /// The time step accepted, now the replay floor.
    public var step: Int64?
    /// Denied attempts counted toward the lockout.
    public var failedAttempts: Int
    public var lockoutThreshold: Int
    /// Unix time until which the token is locked, when it is.
    public var lockedUntil: Int64?

    public init(serial: String, upn: String?, accepted: Bool, reason: Refusal? = nil, drift: Int? = nil, driftSeconds: Int? = nil,
                step: Int64? = nil, failedAttempts: Int, lockoutThreshold: Int, lockedUntil: Int64?) {
        self.serial = serial
        self.upn = upn
        self.accepted = accepted
        self.reason = reason
        self.drift = drift
        self.driftSeconds = driftSeconds
        self.step = step
        self.failedAttempts = failedAttempts
        self.lockoutThreshold = lockoutThreshold
        self.lockedUntil = lockedUntil
    }
}
