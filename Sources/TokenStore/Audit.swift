import GRDB

/// One change recorded in the audit trail: when, who, what, which token and user. Never a secret.
public struct AuditEntry: Codable, Sendable, Equatable, FetchableRecord {
    public var id: Int64
    public var at: Int64
    public var actor: String
    public var action: String
    public var serial: String?
    public var upn: String?
    public var detail: String
}

/// One import run. Read from `batch` rows through Decodable (`file_name` -> `fileName`).
public struct Batch: Codable, Sendable, Equatable, FetchableRecord {
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase

    public var id: Int64
    public var fileName: String
    public var sha256: String
    public var rowsRead: Int
    public var accepted: Int
    public var rejected: Int
    public var added: Int
    public var unchanged: Int
    public var assigned: Int
    public var atomic: Bool
    public var createdAt: Int64
    public var actor: String
}

extension TokenStore {
    /// Audit entries, oldest first, filtered by serial, user (case-insensitive) and time.
    public func auditTrail(serial: String? = nil, user: String? = nil, since: Int64? = nil) throws -> [AuditEntry] {
        var conditions: [String] = []
        var arguments: [DatabaseValueConvertible?] = []
        if let serial {
            conditions.append("serial = ? COLLATE NOCASE")
            arguments.append(serial)
        }
        if let user {
            conditions.append("upn = ? COLLATE NOCASE")
            arguments.append(user)
        }
        if let since {
            conditions.append("at >= ?")
            arguments.append(since)
        }
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try db.read { db in
            try AuditEntry.fetchAll(db, sql: "SELECT * FROM audit \(whereClause) ORDER BY id", arguments: StatementArguments(arguments))
        }
    }

    /// Every import batch, oldest first.
    public func batches() throws -> [Batch] {
        try db.read { db in try Batch.fetchAll(db, sql: "SELECT * FROM batch ORDER BY id") }
    }
}
