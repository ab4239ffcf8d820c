/// A hardware token as stored and shown: everything but its secret.
///
/// The one shape of a token above the backends; each backend reads its rows into it.
public struct Token: Codable, Sendable, Equatable {
    public var serial: String
    public var upn: String?
    public var status: TokenStatus
    public var interval: Int
    public var hash: String
    public var digits: Int
    public var manufacturer: String
    public var model: String
    /// Measured clock drift in steps (positive: the token runs fast).
    public var drift: Int
    /// The last time step accepted; codes at or before it are replays.
    public var lastUsedStep: Int64?
    public var failedAttempts: Int
    public var lockedUntil: Int64?
    public var batch: Int64?
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(serial: String, upn: String?, status: TokenStatus, interval: Int, hash: String, digits: Int,
                manufacturer: String, model: String, drift: Int = 0, lastUsedStep: Int64? = nil, failedAttempts: Int = 0,
                lockedUntil: Int64? = nil, batch: Int64? = nil, createdAt: Int64, updatedAt: Int64) {
        self.serial = serial
        self.upn = upn
        self.status = status
        self.interval = interval
        self.hash = hash
        self.digits = digits
        self.manufacturer = manufacturer
        self.model = model
        self.drift = drift
        self.lastUsedStep = lastUsedStep
        self.failedAttempts = failedAttempts
        self.lockedUntil = lockedUntil
        self.batch = batch
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A token as a write transaction reads it: the token, its sealed seed and the rest of its check state.
public struct TokenRecord: Sendable, Equatable {
    public var token: Token
    /// The seed as sealed by `SecretBox` (bound to the serial); only the service opens it.
    public var sealed: [UInt8]
    public var firstFailureAt: Int64?
    /// The keyed seed fingerprint (`SecretFingerprint`), where read (export and copy; nil otherwise).
    public var fingerprint: [UInt8]?

    public init(token: Token, sealed: [UInt8], firstFailureAt: Int64?, fingerprint: [UInt8]? = nil) {
        self.token = token
        self.sealed = sealed
        self.firstFailureAt = firstFailureAt
        self.fingerprint = fingerprint
    }

    /// The part the code-check rules read and change.
    public var check: CodeCheck.State {
        get {
            CodeCheck.State(status: token.status, drift: token.drift, lastUsedStep: token.lastUsedStep,
                            failedAttempts: token.failedAttempts, firstFailureAt: firstFailureAt, lockedUntil: token.lockedUntil)
        }
        set {
            token.status = newValue.status
            token.drift = newValue.drift
            token.lastUsedStep = newValue.lastUsedStep
            token.failedAttempts = newValue.failedAttempts
            firstFailureAt = newValue.firstFailureAt
            token.lockedUntil = newValue.lockedUntil
        }
    }
}
