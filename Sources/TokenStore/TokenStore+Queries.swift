import Foundation
import GRDB
import TokenDomain
import TokenService

extension TokenStore {
    public func tokens(matching filter: TokenFilter) async throws -> [Token] {
        let (condition, arguments) = Self.conditions(filter)
        return try await fetch { db in
            try Token.fetchAll(db, sql: "SELECT \(Token.columns) FROM token WHERE \(PendingBatches.load(db).visibleTokens) AND \(condition) ORDER BY serial",
                               arguments: arguments)
        }
    }

    public func tokenPage(matching filter: TokenFilter, limit: Int, before: Int64?) async throws -> TokenPage {
        let (condition, filterArguments) = Self.conditions(filter, before: before)
        let arguments = filterArguments + [limit + 1]
        return try await fetch { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT \(Token.columns), id FROM token WHERE \(PendingBatches.load(db).visibleTokens) AND \(condition) ORDER BY id DESC LIMIT ?
                """, arguments: arguments)
            let tokens = try rows.prefix(limit).map { try Token(row: $0) }
            return TokenPage(tokens: tokens, next: rows.count > limit ? rows[limit - 1]["id"] : nil)
        }
    }

    /// The condition of a filter (and a page's cursor; "1" for none), with its arguments.
    private static func conditions(_ filter: TokenFilter, before: Int64? = nil) -> (String, StatementArguments) {
        var conditions: [String] = []
        var arguments: [DatabaseValueConvertible?] = []
        if let user = filter.user {
            conditions.append("user_key = ?")
            arguments.append(UPN.key(user))
        }
        if let status = filter.status {
            conditions.append("status = ?")
            arguments.append(status.rawValue)
        }
        if let manufacturer = filter.manufacturer {
            conditions.append("manufacturer = ? COLLATE NOCASE")
            arguments.append(manufacturer)
        }
        if let serial = filter.serial {
            conditions.append("serial_key = lower(?)")
            arguments.append(serial)
        }
        if let before {
            conditions.append("id < ?")
            arguments.append(before)
        }
        return (conditions.isEmpty ? "1" : conditions.joined(separator: " AND "), StatementArguments(arguments))
    }

    public func token(serial: String) async throws -> Token? {
        try await fetch { db in
            try Token.fetchOne(db, sql: "SELECT \(Token.columns) FROM token WHERE serial_key = lower(?) AND \(PendingBatches.visibleToken)",
                               arguments: [serial])
        }
    }

    public func apps(userKey: String?) async throws -> [AuthenticatorApp] {
        try await fetch { db in
            if let userKey {
                return try AuthenticatorApp.fetchAll(db, sql: "SELECT upn, name, created_at FROM app WHERE user_key = ? ORDER BY name",
                                                     arguments: [userKey])
            }
            return try AuthenticatorApp.fetchAll(db, sql: "SELECT upn, name, created_at FROM app ORDER BY user_key, name")
        }
    }

    public func operators() async throws -> [Operator] {
        try await fetch { db in try Self.operatorRecords(db).map(\.account) }
    }

    /// Every operator with its credential verifier, by name (for `operators` and `store copy`).
    func operatorRecords() throws -> [OperatorRecord] {
        try read { db in try Self.operatorRecords(db) }
    }

    private static func operatorRecords(_ db: Database) throws -> [OperatorRecord] {
        try Row.fetchAll(db, sql: "SELECT \(Self.operatorColumns) FROM operator ORDER BY name").map(Self.operatorRecord)
    }

    public func operatorRecord(named name: String) async throws -> OperatorRecord? {
        try await fetch { db in try Self.fetchOperator(db, sql: "name = ?", name) }
    }

    public func operatorRecord(verifier: String) async throws -> OperatorRecord? {
        try await fetch { db in try Self.fetchOperator(db, sql: "verifier = ?", verifier) }
    }

    public func policy() async throws -> Policy {
        try await fetch { db in try Policy.load(db) }
    }

    public func auditTrail(_ query: AuditQuery) async throws -> [AuditEntry] {
        var conditions: [String] = []
        var arguments: [DatabaseValueConvertible?] = []
        if let serial = query.serial {
            conditions.append("serial = ? COLLATE NOCASE")
            arguments.append(serial)
        }
        if let user = query.user {
            conditions.append("upn = ? COLLATE NOCASE")
            arguments.append(user)
        }
        if let since = query.since {
            conditions.append("at >= ?")
            arguments.append(since)
        }
        if let until = query.until {
            conditions.append("at < ?")
            arguments.append(until)
        }
        for (column, value) in [("actor", query.actor), ("action", query.action)] {
            if let value {
                conditions.append("\(column) = ?")
                arguments.append(value)
            }
        }
        if let after = query.after {
            conditions.append("id > ?")
            arguments.append(after)
        }
        let condition = conditions.isEmpty ? "1" : conditions.joined(separator: " AND ")
        arguments.append(query.limit ?? -1)
        let bound = StatementArguments(arguments)
        return try await fetch { db in
            let (visible, hidden) = try PendingBatches.load(db).visibleAudit
            return try AuditEntry.fetchAll(db, sql: """
                SELECT id, at, actor, action, serial, upn, detail, request_id, role, client FROM audit WHERE \(visible) AND \(condition)
                ORDER BY id LIMIT ?
                """, arguments: StatementArguments(hidden) + bound)
        }
    }

    public func batches() async throws -> [Batch] {
        try await fetch { db in try Batch.fetchAll(db, sql: "SELECT * FROM batch WHERE \(PendingBatches.load(db).visibleBatches) ORDER BY id") }
    }

    public func report(batch: Int64) async throws -> StoredReport {
        try await fetch { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT r.csv FROM batch b LEFT JOIN batch_report r ON r.batch_id = b.id WHERE b.id = ?",
                                             arguments: [batch]) else { return .noSuchBatch }
            return (row[0] as Data?).map { .csv(Array($0)) } ?? .notKept
        }
    }

    /// Every kept report, by batch.
    func reports() throws -> [BatchReport] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT batch_id, csv FROM batch_report ORDER BY batch_id").map {
                BatchReport(batch: $0[0], csv: Array($0[1] as Data))
            }
        }
    }

    public func forEachSealedToken(_ body: (TokenRecord) throws -> Void) async throws {
        try read { db in
            let rows = try Row.fetchCursor(db, sql: """
                SELECT \(Token.columns), sealed_secret, first_failure_at, secret_fp FROM token WHERE \(PendingBatches.load(db).visibleTokens)
                ORDER BY serial
                """)
            while let row = try rows.next() {
                try body(TokenRecord(token: try Token(row: row), sealed: Array(row["sealed_secret"] as Data),
                                     firstFailureAt: row["first_failure_at"], fingerprint: (row["secret_fp"] as Data?).map { Array($0) }))
            }
        }
    }
}

extension AuditEntry: FetchableRecord {
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
}

extension Batch: FetchableRecord {
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
}

extension AuthenticatorApp: FetchableRecord {
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
}
