import GRDB

/// A token's life-cycle status, as Microsoft Graph names it.
public enum TokenStatus: String, Codable, Sendable, CaseIterable {
    case available, assigned, activated, failedActivation
}

/// A stored token as commands show it: everything but the secret.
public struct StoredToken: Codable, Sendable, Equatable, FetchableRecord {
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

    /// Columns to select for `init(row:)`.
    static let columns = "serial, upn, status, interval, hash, digits, manufacturer, model, drift, last_used_step, failed_attempts, locked_until, batch_id, created_at, updated_at"

    public init(row: Row) throws {
        serial = row["serial"]
        upn = row["upn"]
        status = TokenStatus(rawValue: row["status"]) ?? .available
        interval = row["interval"]
        hash = row["hash"]
        digits = row["digits"]
        manufacturer = row["manufacturer"]
        model = row["model"]
        drift = row["drift"]
        lastUsedStep = row["last_used_step"]
        failedAttempts = row["failed_attempts"]
        lockedUntil = row["locked_until"]
        batch = row["batch_id"]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
    }
}
