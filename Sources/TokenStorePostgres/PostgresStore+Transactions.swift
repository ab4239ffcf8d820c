import Logging
import PostgresNIO
import TokenDomain
import TokenService

extension PostgresStore {
    /// One write transaction (see `TokenRepository.perform`). Locks in one order everywhere, so two
    /// transactions never wait on each other in a circle: the ownership lock (shared) and the user's
    /// lock when a user is named, then the token's row.
    /// A sign-in check first tries the lock-free path (`performSignInCheck`).
    public func perform<T>(_ reads: TransactionReads, _ decide: (TransactionFacts) throws -> Decision<T>) async throws -> T {
        if Self.isSignInCheck(reads), let result = try await performSignInCheck(reads, decide) { return result }
        return try await transaction { connection in
            var methods = 0, appExists = false, activated: [TokenRecord] = []
            if let userKey = reads.userKey {
                // Both locks in one round trip, in the order every transaction takes them (left to right).
                try await connection.query("""
                    SELECT pg_advisory_xact_lock_shared(\(Self.ownershipLock)), pg_advisory_xact_lock(hashtextextended(\("oathctl.user:" + userKey), 0))
                    """, logger: logger)
                if !reads.activatedTokens { methods = try await Self.methodCount(connection, userKey: userKey, logger: logger) }
                if let name = reads.appName {
                    appExists = try await connection.query("SELECT EXISTS (SELECT 1 FROM app WHERE user_key = \(userKey) AND name = \(name))",
                                                           logger: logger).collect().first?.decode(Bool.self) ?? false
                }
                if reads.activatedTokens { activated = try await Self.fetchActivated(connection, userKey: userKey, logger: logger) }
            }
            var token: TokenRecord?
            if let serial = reads.serial { token = try await Self.fetchRecord(connection, serialKey: Serial.key(serial), logger: logger) }
            var admins = 0
            if reads.operators {
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.operatorsLock))", logger: logger)
                admins = try await connection.query("SELECT count(*) FROM operator WHERE role = 'admin' AND NOT disabled", logger: logger)
                    .collect().first?.decode(Int.self) ?? 0
            }
            var session: Session?
            if let digest = reads.sessionDigest {
                let rows = try await connection.query("""
                    SELECT csrf_digest, operator, created_at, last_seen_at FROM session WHERE id_digest = \(digest) FOR UPDATE
                    """, logger: logger)
                for try await (csrf, name, created, seen) in rows.decode((String, String, Int64, Int64).self) {
                    session = Session(idDigest: digest, csrfDigest: csrf, operatorName: name, createdAt: created, lastSeenAt: seen)
                }
            }
            var account: OperatorRecord?
            if let name = reads.operatorName ?? session?.operatorName {
                account = try await Self.operatorRecord(connection, "SELECT \(unescaped: Self.operatorColumns) FROM operator WHERE name = \(name) FOR UPDATE", logger: logger)
            }
            let facts = TransactionFacts(token: token, methodCount: methods, appExists: appExists,
                                         policy: try await Self.policy(connection, logger: logger), operatorRecord: account, enabledAdmins: admins,
                                         session: session, activatedTokens: activated)
            let decision = try decide(facts)
            for change in decision.changes { try await apply(change, at: reads.at, connection) }
            try await Self.append(decision.audit, connection, logger: logger)
            return decision.result
        }
    }

    private func apply(_ change: StoreChange, at: Int64, _ connection: PostgresConnection) async throws {
        switch change {
        case let .assign(serial, upn):
            try await connection.query("""
                UPDATE token SET upn = \(upn), user_key = \(UPN.key(upn)), status = 'assigned', updated_at = \(at)
                WHERE serial_key = \(Serial.key(serial))
                """, logger: logger)
        case let .unassign(serial):
            try await connection.query("""
                UPDATE token SET upn = NULL, user_key = NULL, status = 'available', drift = 0, failed_attempts = 0,
                first_failure_at = NULL, locked_until = NULL, updated_at = \(at) WHERE serial_key = \(Serial.key(serial))
                """, logger: logger)
        case let .delete(serial):
            try await connection.query("DELETE FROM token WHERE serial_key = \(Serial.key(serial))", logger: logger)
        case let .saveCheck(serial, state):
            try await connection.query("""
                UPDATE token SET status = \(state.status.rawValue), drift = \(state.drift), last_used_step = \(state.lastUsedStep),
                failed_attempts = \(state.failedAttempts), first_failure_at = \(state.firstFailureAt), locked_until = \(state.lockedUntil),
                updated_at = \(at) WHERE serial_key = \(Serial.key(serial))
                """, logger: logger)
        case let .addApp(upn, name):
            try await connection.query("INSERT INTO app(upn, user_key, name, created_at) VALUES (\(upn), \(UPN.key(upn)), \(name), \(at))",
                                       logger: logger)
        case let .removeApp(upn, name):
            try await connection.query("DELETE FROM app WHERE user_key = \(UPN.key(upn)) AND name = \(name)", logger: logger)
        case let .setPolicy(setting, value):
            try await connection.query("UPDATE policy SET value = \(value) WHERE key = \(setting.rawValue)", logger: logger)
        case let .addOperator(record):
            try await Self.insert(record, connection, logger: logger)
        case let .saveOperator(record):
            let account = record.account
            try await connection.query("""
                UPDATE operator SET role = \(account.role.rawValue), disabled = \(account.disabled), verifier = \(record.verifier),
                failed_logins = \(account.failedLogins), first_failure_at = \(record.firstFailureAt), locked_until = \(account.lockedUntil),
                updated_at = \(at) WHERE name = \(account.name)
                """, logger: logger)
        case let .removeOperator(name):
            try await connection.query("DELETE FROM operator WHERE name = \(name)", logger: logger)
        case let .addSession(session):
            try await connection.query("""
                INSERT INTO session(id_digest, csrf_digest, operator, created_at, last_seen_at)
                VALUES (\(session.idDigest), \(session.csrfDigest), \(session.operatorName), \(session.createdAt), \(session.lastSeenAt))
                """, logger: logger)
        case let .touchSession(idDigest):
            try await connection.query("UPDATE session SET last_seen_at = \(at) WHERE id_digest = \(idDigest)", logger: logger)
        case let .removeSession(idDigest):
            try await connection.query("DELETE FROM session WHERE id_digest = \(idDigest)", logger: logger)
        case let .removeSessions(operatorName):
            try await connection.query("DELETE FROM session WHERE operator = \(operatorName)", logger: logger)
        }
    }

    static let operatorColumns = "name, role, kind, disabled, verifier, failed_logins, first_failure_at, locked_until, created_at, updated_at"

    /// The operator the query (of `operatorColumns`) finds, or nil.
    static func operatorRecord(_ connection: PostgresConnection, _ query: PostgresQuery, logger: Logger) async throws -> OperatorRecord? {
        try await operatorRecords(connection, query, logger: logger).first
    }

    static func operatorRecords(_ connection: PostgresConnection, _ query: PostgresQuery, logger: Logger) async throws -> [OperatorRecord] {
        var records: [OperatorRecord] = []
        for try await row in try await connection.query(query, logger: logger) { records.append(try operatorRecord(row)) }
        return records
    }

    /// An operator from a row of `operatorColumns`.
    static func operatorRecord(_ row: PostgresRow) throws -> OperatorRecord {
        let (name, role, kind, disabled, verifier) = try row.decode((String, String, String, Bool, String).self)
        let columns = row.makeRandomAccess()
        guard let role = Role(rawValue: role), let kind = Operator.Kind(rawValue: kind) else {
            throw StoreError.database("an operator row holds an unknown role or kind")
        }
        let account = Operator(name: name, role: role, kind: kind, disabled: disabled, failedLogins: try columns[5].decode(Int.self),
                               lockedUntil: try columns[7].decode(Int64?.self), createdAt: try columns[8].decode(Int64.self),
                               updatedAt: try columns[9].decode(Int64.self))
        return OperatorRecord(account: account, verifier: verifier, firstFailureAt: try columns[6].decode(Int64?.self))
    }

    static func insert(_ record: OperatorRecord, _ connection: PostgresConnection, logger: Logger) async throws {
        let account = record.account
        try await connection.query("""
            INSERT INTO operator(\(unescaped: operatorColumns)) VALUES (\(account.name), \(account.role.rawValue), \(account.kind.rawValue),
            \(account.disabled), \(record.verifier), \(account.failedLogins), \(record.firstFailureAt), \(account.lockedUntil),
            \(account.createdAt), \(account.updatedAt))
            """, logger: logger)
    }

    static let tokenColumns = """
        serial, upn, status, interval, hash, digits, manufacturer, model, drift, last_used_step, failed_attempts, locked_until,
        batch_id, created_at, updated_at
        """

    /// A token from a row of `tokenColumns`.
    static func token(_ row: PostgresRow) throws -> Token {
        let (serial, upn, status, interval, hash, digits, manufacturer, model) =
            try row.decode((String, String?, String, Int, String, Int, String, String).self)
        let columns = row.makeRandomAccess()
        // As on SQLite: a status this version does not know is an error, never read as another.
        guard let status = TokenStatus(rawValue: status) else { throw StoreError.database("a token row holds an unknown status") }
        return Token(serial: serial, upn: upn, status: status, interval: interval, hash: hash,
                     digits: digits, manufacturer: manufacturer, model: model,
                     drift: try columns[8].decode(Int.self), lastUsedStep: try columns[9].decode(Int64?.self),
                     failedAttempts: try columns[10].decode(Int.self), lockedUntil: try columns[11].decode(Int64?.self),
                     batch: try columns[12].decode(Int64?.self), createdAt: try columns[13].decode(Int64.self),
                     updatedAt: try columns[14].decode(Int64.self))
    }

    /// The token with its sealed seed and check state, locked for the rest of the transaction; or nil.
    static func fetchRecord(_ connection: PostgresConnection, serialKey: String, logger: Logger) async throws -> TokenRecord? {
        let rows = try await connection.query(
            "SELECT \(unescaped: tokenColumns), sealed_secret, first_failure_at FROM token WHERE serial_key = \(serialKey) FOR UPDATE",
            logger: logger).collect()
        return try rows.first.map(record)
    }

    /// A token row of `tokenColumns, sealed_secret, first_failure_at`.
    static func record(_ row: PostgresRow) throws -> TokenRecord {
        let columns = row.makeRandomAccess()
        return TokenRecord(token: try token(row), sealed: Array(try columns[15].decode(ByteBuffer.self).readableBytesView),
                           firstFailureAt: try columns[16].decode(Int64?.self))
    }

    /// A user's activated tokens, locked in serial order (under the user's lock), with their seeds and check state.
    static func fetchActivated(_ connection: PostgresConnection, userKey: String, logger: Logger) async throws -> [TokenRecord] {
        try await connection.query("""
            SELECT \(unescaped: tokenColumns), sealed_secret, first_failure_at FROM token
            WHERE user_key = \(userKey) AND status = 'activated' ORDER BY serial_key FOR UPDATE
            """, logger: logger).collect().map(record)
    }

    static func methodCount(_ connection: PostgresConnection, userKey: String, logger: Logger) async throws -> Int {
        try await connection.query("""
            SELECT (SELECT count(*) FROM token WHERE user_key = \(userKey)) + (SELECT count(*) FROM app WHERE user_key = \(userKey))
            """, logger: logger).collect().first?.decode(Int.self) ?? 0
    }

    static func policy(_ connection: PostgresConnection, logger: Logger) async throws -> Policy {
        var stored: [(String, Int)] = []
        for try await pair in try await connection.query("SELECT key, value FROM policy", logger: logger).decode((String, Int).self) {
            stored.append(pair)
        }
        return Policy(stored: stored)
    }

    /// Appends audit entries; an entry with a nonzero id keeps it (`store copy`).
    static func append(_ entries: [AuditEntry], _ connection: PostgresConnection, logger: Logger) async throws {
        for entry in entries {
            if entry.id == 0 {
                try await connection.query("""
                    INSERT INTO audit(at, actor, action, serial, upn, detail, request_id, role, client)
                    VALUES (\(entry.at), \(entry.actor), \(entry.action), \(entry.serial), \(entry.upn), \(entry.detail), \(entry.requestId),
                            \(entry.role), \(entry.client))
                    """, logger: logger)
            } else {
                try await connection.query("""
                    INSERT INTO audit(id, at, actor, action, serial, upn, detail, request_id, role, client)
                    VALUES (\(entry.id), \(entry.at), \(entry.actor), \(entry.action), \(entry.serial), \(entry.upn), \(entry.detail), \(entry.requestId),
                            \(entry.role), \(entry.client))
                    """, logger: logger)
            }
        }
    }
}
