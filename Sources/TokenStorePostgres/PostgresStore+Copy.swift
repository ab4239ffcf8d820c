import PostgresNIO
import TokenDomain
import TokenService

extension PostgresStore {
    public func contents() async throws -> StoreContents {
        StoreContents(policy: try await policy(), apps: try await apps(userKey: nil), batches: try await batches(),
                      audit: try await auditTrail(AuditQuery()), operators: try await operatorRecords(),
                      reports: try await reports())
    }

    public func restore(_ contents: StoreContents, tokens: [TokenRecord], entry: AuditEntry) async throws {
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.ownershipLock))", logger: logger)
            let used = try await connection.query("""
                SELECT (SELECT count(*) FROM token) + (SELECT count(*) FROM app) + (SELECT count(*) FROM batch) + (SELECT count(*) FROM audit)
                       + (SELECT count(*) FROM operator)
                """, logger: logger).collect().first?.decode(Int.self) ?? 0
            guard used == 0 else { throw StoreError.notEmpty(location: location) }
            try await connection.query("SET LOCAL oathctl.bulk = 'on'", logger: logger)
            for setting in Policy.Setting.allCases {
                try await connection.query("UPDATE policy SET value = \(contents.policy[setting]) WHERE key = \(setting.rawValue)", logger: logger)
            }
            for batch in contents.batches {
                try await connection.query("""
                    INSERT INTO batch(id, file_name, sha256, rows_read, accepted, rejected, added, unchanged, assigned, atomic, created_at, actor)
                    VALUES (\(batch.id), \(batch.fileName), \(batch.sha256), \(batch.rowsRead), \(batch.accepted), \(batch.rejected),
                            \(batch.added), \(batch.unchanged), \(batch.assigned), \(batch.atomic), \(batch.createdAt), \(batch.actor))
                    """, logger: logger)
            }
            for report in contents.reports {
                try await connection.query("INSERT INTO batch_report(batch_id, csv) VALUES (\(report.batch), \(ByteBuffer(bytes: report.csv)))",
                                           logger: logger)
            }
            for record in contents.operators { try await Self.insert(record, connection, logger: logger) }
            for app in contents.apps {
                try await connection.query("""
                    INSERT INTO app(upn, user_key, name, created_at) VALUES (\(app.upn), \(UPN.key(app.upn)), \(app.name), \(app.createdAt))
                    """, logger: logger)
            }
            try await connection.copyFrom(table: "token", columns: TokenCopyRow.columns, logger: logger) { writer in
                var buffer = ByteBuffer()
                for record in tokens {
                    TokenCopyRow.write(record, into: &buffer)
                    if buffer.readableBytes > 1 << 20 {
                        try await writer.write(buffer)
                        buffer.clear()
                    }
                }
                if buffer.readableBytes > 0 { try await writer.write(buffer) }
            }
            try await Self.append(contents.audit, connection, logger: logger)
            // Explicit ids were inserted: move each sequence past them before anything takes a new one.
            for table in ["batch", "token", "app", "audit"] {
                try await connection.query(PostgresQuery(unsafeSQL: """
                    SELECT setval(pg_get_serial_sequence('\(table)', 'id'), coalesce((SELECT max(id) FROM \(table)), 0) + 1, false)
                    """), logger: logger)
            }
            try await Self.append([entry], connection, logger: logger)
        }
    }
}
