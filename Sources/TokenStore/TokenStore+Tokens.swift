import GRDB
import TokenImport

extension TokenStore {
    /// Which tokens `list` shows.
    public struct TokenFilter: Sendable {
        public var user: String?
        public var status: TokenStatus?
        public var manufacturer: String?

        public init(user: String? = nil, status: TokenStatus? = nil, manufacturer: String? = nil) {
            self.user = user
            self.status = status
            self.manufacturer = manufacturer
        }
    }

    /// Tokens matching the filter, ordered by serial.
    public func tokens(matching filter: TokenFilter = TokenFilter()) throws -> [StoredToken] {
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
        let whereClause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try db.read { db in
            try StoredToken.fetchAll(db, sql: "SELECT \(StoredToken.columns) FROM token \(whereClause) ORDER BY serial",
                                     arguments: StatementArguments(arguments))
        }
    }

    /// One token, or `StoreError.tokenNotFound`.
    public func token(serial: String) throws -> StoredToken {
        try db.read { db in try Self.fetchToken(db, serial: serial) }
    }

    static func fetchToken(_ db: Database, serial: String) throws -> StoredToken {
        guard let token = try StoredToken.fetchOne(db, sql: "SELECT \(StoredToken.columns) FROM token WHERE serial_key = lower(?)", arguments: [serial]) else {
            throw StoreError.tokenNotFound(serial: serial)
        }
        return token
    }

    /// Assigns a token to a user: refused when someone else holds it or the user already has five methods.
    public func assign(serial: String, to upn: String) throws {
        try write { db in try assignInTransaction(db, serial: serial, upn: upn) }
    }

    /// `assign` inside a caller's transaction (also used by `activate --user`). Assigning to the current owner does nothing.
    func assignInTransaction(_ db: Database, serial: String, upn: String) throws {
        if let problem = UPN.problem(in: upn) { throw StoreError.invalidUser(problem) }
        let token = try Self.fetchToken(db, serial: serial)
        if let owner = token.upn {
            if UPN.key(owner) == UPN.key(upn) { return }
            throw StoreError.assignedToOther(serial: serial, upn: owner)
        }
        try Self.requireFreeSlot(db, upn: upn)
        try db.execute(sql: "UPDATE token SET upn = ?, user_key = ?, status = 'assigned', updated_at = ? WHERE serial_key = lower(?)",
                       arguments: [upn, UPN.key(upn), now(), token.serial])
        try audit(db, action: "token.assign", serial: token.serial, upn: upn, detail: "")
    }

    /// Returns a token to the inventory (`available`), clearing its activation state.
    public func unassign(serial: String) throws {
        try write { db in
            let token = try Self.fetchToken(db, serial: serial)
            guard let owner = token.upn else { throw StoreError.notAssigned(serial: serial) }
            // The replay floor (last_used_step) stays: a code once used is never accepted again.
            try db.execute(sql: """
                UPDATE token SET upn = NULL, user_key = NULL, status = 'available', drift = 0, failed_attempts = 0,
                first_failure_at = NULL, locked_until = NULL, updated_at = ? WHERE serial_key = lower(?)
                """, arguments: [now(), token.serial])
            try audit(db, action: "token.unassign", serial: token.serial, upn: owner, detail: "")
        }
    }

    /// Deletes a token; an assigned one only with `force`.
    public func delete(serial: String, force: Bool) throws {
        try write { db in
            let token = try Self.fetchToken(db, serial: serial)
            if let owner = token.upn, !force { throw StoreError.stillAssigned(serial: serial, upn: owner) }
            try db.execute(sql: "DELETE FROM token WHERE serial_key = lower(?)", arguments: [token.serial])
            try audit(db, action: "token.delete", serial: token.serial, upn: token.upn, detail: force ? "forced" : "")
        }
    }
}
