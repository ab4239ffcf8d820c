import GRDB

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

    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase

    /// Columns to select: every property, read through Decodable (`last_used_step` -> `lastUsedStep`).
    static let columns = "serial, upn, status, interval, hash, digits, manufacturer, model, drift, last_used_step, failed_attempts, locked_until, batch_id AS batch, created_at, updated_at"
}
