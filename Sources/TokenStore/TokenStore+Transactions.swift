import Foundation
import GRDB
import TokenDomain
import TokenService

extension TokenStore {
    /// One write transaction (see `TokenRepository.perform`). SQLite's IMMEDIATE transaction is the
    /// lock: it serialises every writer of the file, so no finer lock is taken.
    public func perform<T>(_ reads: TransactionReads, _ decide: (TransactionFacts) throws -> Decision<T>) async throws -> T {
        try await groupCommit.submit { db in
            let session = try reads.sessionDigest.flatMap { try Self.fetchSession(db, idDigest: $0) }
            let facts = TransactionFacts(
                token: try reads.serial.flatMap { try Self.fetchRecord(db, serial: $0) },
                methodCount: reads.activatedTokens ? 0 : try reads.userKey.map { try Self.methodCount(db, userKey: $0) } ?? 0,
                appExists: try reads.userKey.flatMap { user in
                    try reads.appName.map { name in
                        try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM app WHERE user_key = ? AND name = ?)", arguments: [user, name])!
                    }
                } ?? false,
                policy: try Policy.load(db),
                operatorRecord: try (reads.operatorName ?? session?.operatorName).flatMap { try Self.fetchOperator(db, sql: "name = ?", $0) },
                enabledAdmins: reads.operators
                    ? try Int.fetchOne(db, sql: "SELECT count(*) FROM operator WHERE role = 'admin' AND disabled = 0") ?? 0 : 0,
                session: session,
                activatedTokens: reads.activatedTokens ? try reads.userKey.map { try Self.fetchActivated(db, userKey: $0) } ?? [] : [])
            let decision = try decide(facts)
            for change in decision.changes { try Self.apply(change, at: reads.at, db) }
            try Self.append(decision.audit, db)
            return decision.result
        }
    }

    static func apply(_ change: StoreChange, at: Int64, _ db: Database) throws {
        switch change {
        case let .assign(serial, upn):
            try db.execute(sql: "UPDATE token SET upn = ?, user_key = ?, status = 'assigned', updated_at = ? WHERE serial_key = lower(?)",
                           arguments: [upn, UPN.key(upn), at, serial])
        case let .unassign(serial):
            try db.execute(sql: """
                UPDATE token SET upn = NULL, user_key = NULL, status = 'available', drift = 0, failed_attempts = 0,
                first_failure_at = NULL, locked_until = NULL, updated_at = ? WHERE serial_key = lower(?)
                """, arguments: [at, serial])
        case let .delete(serial):
            try db.execute(sql: "DELETE FROM token WHERE serial_key = lower(?)", arguments: [serial])
        case let .saveCheck(serial, state):
            try db.cachedStatement(sql: """
                UPDATE token SET status = ?, drift = ?, last_used_step = ?, failed_attempts = ?, first_failure_at = ?, locked_until = ?,
                updated_at = ? WHERE serial_key = lower(?)
                """).execute(arguments: [state.status.rawValue, state.drift, state.lastUsedStep, state.failedAttempts, state.firstFailureAt,
                                 state.lockedUntil, at, serial])
        case let .addApp(upn, name):
            try db.execute(sql: "INSERT INTO app(upn, user_key, name, created_at) VALUES (?, ?, ?, ?)", arguments: [upn, UPN.key(upn), name, at])
        case let .removeApp(upn, name):
            try db.execute(sql: "DELETE FROM app WHERE user_key = ? AND name = ?", arguments: [UPN.key(upn), name])
        case let .setPolicy(setting, value):
            try db.execute(sql: "UPDATE policy SET value = ? WHERE key = ?", arguments: [value, setting.rawValue])
        case let .addOperator(record):
            try insert(record, db)
        case let .saveOperator(record):
            let account = record.account
            try db.execute(sql: """
                UPDATE operator SET role = ?, disabled = ?, verifier = ?, failed_logins = ?, first_failure_at = ?, locked_until = ?,
                updated_at = ? WHERE name = ?
                """, arguments: [account.role.rawValue, account.disabled, record.verifier, account.failedLogins, record.firstFailureAt,
                                 account.lockedUntil, at, account.name])
        case let .removeOperator(name):
            try db.execute(sql: "DELETE FROM operator WHERE name = ?", arguments: [name])
        case let .addSession(session):
            try db.execute(sql: "INSERT INTO session(id_digest, csrf_digest, operator, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [session.idDigest, session.csrfDigest, session.operatorName, session.createdAt, session.lastSeenAt])
        case let .touchSession(idDigest):
            try db.execute(sql: "UPDATE session SET last_seen_at = ? WHERE id_digest = ?", arguments: [at, idDigest])
        case let .removeSession(idDigest):
            try db.execute(sql: "DELETE FROM session WHERE id_digest = ?", arguments: [idDigest])
        case let .removeSessions(operatorName):
            try db.execute(sql: "DELETE FROM session WHERE operator = ?", arguments: [operatorName])
        }
    }

    /// The token with its sealed seed and check state, or nil (also for a token of a batch still being imported).
    static func fetchRecord(_ db: Database, serial: String) throws -> TokenRecord? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT \(Token.columns), sealed_secret, first_failure_at FROM token
            WHERE serial_key = lower(?) AND \(PendingBatches.visibleToken)
            """), arguments: [serial]) else { return nil }
        return TokenRecord(token: try Token(row: row), sealed: Array(row["sealed_secret"] as Data), firstFailureAt: row["first_failure_at"])
    }

    /// A user's activated tokens with their sealed seeds and check state, by serial.
    static func fetchActivated(_ db: Database, userKey: String) throws -> [TokenRecord] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT \(Token.columns), sealed_secret, first_failure_at FROM token WHERE user_key = ? AND status = 'activated' ORDER BY serial
            """), arguments: [userKey]).map {
            TokenRecord(token: try Token(row: $0), sealed: Array($0["sealed_secret"] as Data), firstFailureAt: $0["first_failure_at"])
        }
    }
}

extension TokenStore {
    static let operatorColumns = "name, role, kind, disabled, verifier, failed_logins, first_failure_at, locked_until, created_at, updated_at"

    /// The operator matching `condition` (one `?`), or nil.
    static func fetchOperator(_ db: Database, sql condition: String, _ argument: String) throws -> OperatorRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(operatorColumns) FROM operator WHERE \(condition)"), arguments: [argument]).map(operatorRecord)
    }

    static func operatorRecord(_ row: Row) throws -> OperatorRecord {
        guard let role = Role(rawValue: row["role"]), let kind = Operator.Kind(rawValue: row["kind"]) else {
            throw StoreError.database("an operator row holds an unknown role or kind")
        }
        let account = Operator(name: row["name"], role: role, kind: kind, disabled: row["disabled"], failedLogins: row["failed_logins"],
                               lockedUntil: row["locked_until"], createdAt: row["created_at"], updatedAt: row["updated_at"])
        return OperatorRecord(account: account, verifier: row["verifier"], firstFailureAt: row["first_failure_at"])
    }

    static func fetchSession(_ db: Database, idDigest: String) throws -> Session? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT id_digest, csrf_digest, operator, created_at, last_seen_at FROM session WHERE id_digest = ?"),
                         arguments: [idDigest]).map {
            Session(idDigest: $0["id_digest"], csrfDigest: $0["csrf_digest"], operatorName: $0["operator"], createdAt: $0["created_at"],
                    lastSeenAt: $0["last_seen_at"])
        }
    }

    static func insert(_ record: OperatorRecord, _ db: Database) throws {
        let account = record.account
        try db.execute(sql: "INSERT INTO operator(\(operatorColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", arguments: [
            account.name, account.role.rawValue, account.kind.rawValue, account.disabled, record.verifier, account.failedLogins,
            record.firstFailureAt, account.lockedUntil, account.createdAt, account.updatedAt,
        ])
    }
}

extension Token: FetchableRecord {
    /// Columns to select, first in the statement: `init(row:)` reads them by position.
    static let columns = "serial, upn, status, interval, hash, digits, manufacturer, model, drift, last_used_step, failed_attempts, locked_until, batch_id, created_at, updated_at"

    /// Read by position rather than through `Decodable`, which took a fifth of a sign-in check's
    /// time in the profile (a keyed container and a snake-case conversion per column per row).
    public init(row: Row) throws {
        guard let status = TokenStatus(rawValue: row[2]) else { throw StoreError.database("a token row holds an unknown status") }
        self.init(serial: row[0], upn: row[1], status: status, interval: row[3], hash: row[4], digits: row[5], manufacturer: row[6],
                  model: row[7], drift: row[8], lastUsedStep: row[9], failedAttempts: row[10], lockedUntil: row[11], batch: row[12],
                  createdAt: row[13], updatedAt: row[14])
    }
}

extension Policy {
    /// The settings stored in the `policy` table (defaults for any not there).
    static func load(_ db: Database) throws -> Policy {
        Policy(stored: try Row.fetchAll(db.cachedStatement(sql: "SELECT key, value FROM policy")).map { ($0["key"] as String, $0["value"] as Int) })
    }
}
