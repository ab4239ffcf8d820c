import Logging
import PostgresNIO
import TokenDomain
import TokenService

extension PostgresStore {
    public func tokens(matching filter: TokenFilter) async throws -> [Token] {
        return try await read { connection in
            let rows = try await connection.query("""
                SELECT \(unescaped: Self.tokenColumns) FROM token
                WHERE (\(filter.user.map(UPN.key))::text IS NULL OR user_key = \(filter.user.map(UPN.key)))
                  AND (\(filter.status?.rawValue)::text IS NULL OR status = \(filter.status?.rawValue))
                  AND (\(filter.manufacturer)::text IS NULL OR lower(manufacturer) = lower(\(filter.manufacturer)))
                  AND (\(filter.serial.map(Serial.key))::text IS NULL OR serial_key = \(filter.serial.map(Serial.key)))
                ORDER BY serial COLLATE "C"
                """, logger: logger).collect()
            return try rows.map(Self.token)
        }
    }

    public func tokenPage(matching filter: TokenFilter, limit: Int, before: Int64?) async throws -> TokenPage {
        try await read { connection in
            let rows = try await connection.query("""
                SELECT \(unescaped: Self.tokenColumns), id FROM token
                WHERE (\(filter.user.map(UPN.key))::text IS NULL OR user_key = \(filter.user.map(UPN.key)))
                  AND (\(filter.status?.rawValue)::text IS NULL OR status = \(filter.status?.rawValue))
                  AND (\(filter.manufacturer)::text IS NULL OR lower(manufacturer) = lower(\(filter.manufacturer)))
                  AND (\(filter.serial.map(Serial.key))::text IS NULL OR serial_key = \(filter.serial.map(Serial.key)))
                  AND (\(before)::bigint IS NULL OR id < \(before))
                ORDER BY id DESC LIMIT \(limit + 1)
                """, logger: logger).collect()
            let tokens = try rows.prefix(limit).map(Self.token)
            let next = rows.count > limit ? try rows[limit - 1].makeRandomAccess()[15].decode(Int64.self) : nil
            return TokenPage(tokens: tokens, next: next)
        }
    }

    public func token(serial: String) async throws -> Token? {
        try await statement { connection in
            try await connection.query("SELECT \(unescaped: Self.tokenColumns) FROM token WHERE serial_key = \(Serial.key(serial))",
                                       logger: logger).collect().first.map(Self.token)
        }
    }

    public func apps(userKey: String?) async throws -> [AuthenticatorApp] {
        try await read { connection in
            var apps: [AuthenticatorApp] = []
            let rows = try await connection.query("""
                SELECT upn, name, created_at FROM app WHERE (\(userKey)::text IS NULL OR user_key = \(userKey))
                ORDER BY user_key COLLATE "C", name COLLATE "C"
                """, logger: logger)
            for try await (upn, name, createdAt) in rows.decode((String, String, Int64).self) {
                apps.append(AuthenticatorApp(upn: upn, name: name, createdAt: createdAt))
            }
            return apps
        }
    }

    public func operators() async throws -> [Operator] {
        try await operatorRecords().map(\.account)
    }

    /// Every operator with its credential verifier, by name (for `operators` and `store copy`).
    func operatorRecords() async throws -> [OperatorRecord] {
        try await read { connection in
            try await Self.operatorRecords(connection, "SELECT \(unescaped: Self.operatorColumns) FROM operator ORDER BY name COLLATE \"C\"",
                                           logger: logger)
        }
    }

    public func operatorRecord(named name: String) async throws -> OperatorRecord? {
        try await statement { connection in
            try await Self.operatorRecord(connection, "SELECT \(unescaped: Self.operatorColumns) FROM operator WHERE name = \(name)", logger: logger)
        }
    }

    public func operatorRecord(verifier: String) async throws -> OperatorRecord? {
        try await keyLookups.submit(verifier) { verifiers in
            let found = try await statement(on: keyLookupConnection) { connection in
                var found: [String: OperatorRecord] = [:]
                for try await record in try await connection.execute(OperatorsByVerifier(verifiers: verifiers), logger: logger) {
                    found[record.verifier] = record
                }
                return found
            }
            return verifiers.map { found[$0] }
        }
    }

    public func policy() async throws -> Policy {
        try await statement { connection in try await Self.policy(connection, logger: logger) }
    }

    public func auditTrail(_ query: AuditQuery) async throws -> [AuditEntry] {
        try await read { connection in
            var entries: [AuditEntry] = []
            let rows = try await connection.query("""
                SELECT id, at, actor, action, serial, upn, detail, request_id, role, client FROM audit
                WHERE (\(query.serial)::text IS NULL OR lower(serial) = lower(\(query.serial)))
                  AND (\(query.user)::text IS NULL OR lower(upn) = lower(\(query.user)))
                  AND (\(query.since)::bigint IS NULL OR at >= \(query.since))
                  AND (\(query.until)::bigint IS NULL OR at < \(query.until))
                  AND (\(query.actor)::text IS NULL OR actor = \(query.actor))
                  AND (\(query.action)::text IS NULL OR action = \(query.action))
                  AND (\(query.after)::bigint IS NULL OR id > \(query.after))
                ORDER BY id LIMIT \(query.limit)
                """, logger: logger)
            for try await (id, at, actor, action, serial, upn, detail, requestId, role, client) in
                rows.decode((Int64, Int64, String, String, String?, String?, String, String?, String?, String?).self) {
                entries.append(AuditEntry(id: id, at: at, actor: actor, action: action, serial: serial, upn: upn, detail: detail,
                                          requestId: requestId, role: role, client: client))
            }
            return entries
        }
    }

    public func batches() async throws -> [Batch] {
        try await read { connection in
            var batches: [Batch] = []
            let rows = try await connection.query("""
                SELECT id, file_name, sha256, rows_read, accepted, rejected, added, unchanged, assigned, atomic, created_at, actor
                FROM batch ORDER BY id
                """, logger: logger)
            for try await (id, fileName, sha256, rowsRead, accepted, rejected, added, unchanged, assigned, atomic, createdAt, actor) in
                rows.decode((Int64, String, String, Int, Int, Int, Int, Int, Int, Bool, Int64, String).self) {
                batches.append(Batch(id: id, fileName: fileName, sha256: sha256, rowsRead: rowsRead, accepted: accepted, rejected: rejected,
                                     added: added, unchanged: unchanged, assigned: assigned, atomic: atomic, createdAt: createdAt, actor: actor))
            }
            return batches
        }
    }

    public func report(batch: Int64) async throws -> StoredReport {
        try await read { connection in
            let rows = try await connection.query("""
                SELECT r.csv FROM batch b LEFT JOIN batch_report r ON r.batch_id = b.id WHERE b.id = \(batch)
                """, logger: logger)
            for try await csv in rows.decode(ByteBuffer?.self) {
                return csv.map { .csv(Array($0.readableBytesView)) } ?? .notKept
            }
            return .noSuchBatch
        }
    }

    /// Every kept report, by batch.
    func reports() async throws -> [BatchReport] {
        try await read { connection in
            var reports: [BatchReport] = []
            let rows = try await connection.query("SELECT batch_id, csv FROM batch_report ORDER BY batch_id", logger: logger)
            for try await (batch, csv) in rows.decode((Int64, ByteBuffer).self) {
                reports.append(BatchReport(batch: batch, csv: Array(csv.readableBytesView)))
            }
            return reports
        }
    }

    public func forEachSealedToken(_ body: (TokenRecord) throws -> Void) async throws {
        try await read { connection in
            let rows = try await connection.query("""
                SELECT \(unescaped: Self.tokenColumns), sealed_secret, first_failure_at, secret_fp FROM token ORDER BY serial COLLATE "C"
                """, logger: logger)
            for try await row in rows {
                let columns = row.makeRandomAccess()
                try body(TokenRecord(token: try Self.token(row), sealed: Array(try columns[15].decode(ByteBuffer.self).readableBytesView),
                                     firstFailureAt: try columns[16].decode(Int64?.self),
                                     fingerprint: try columns[17].decode(ByteBuffer?.self).map { Array($0.readableBytesView) }))
            }
        }
    }

    /// Runs `body` on one pooled connection in a read-only transaction that sees one snapshot
    /// throughout (REPEATABLE READ: find's blocks and a copy's tables are read as of one moment).
    /// A read of one statement needs none: `statement` sees one snapshot in one round trip.
    func read<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await transaction { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            return try await body(connection)
        }
    }
}
