import Foundation
import GRDB
import TokenDomain
import TokenService

extension TokenStore {
    public func contents() async throws -> StoreContents {
        let policy = try await policy()
        let apps = try await apps(userKey: nil)
        let batches = try await batches()
        let audit = try await auditTrail(AuditQuery())
        return StoreContents(policy: policy, apps: apps, batches: batches, audit: audit, operators: try operatorRecords(),
                             reports: try reports())
    }

    public func restore(_ contents: StoreContents, tokens: [TokenRecord], entry: AuditEntry) async throws {
        try write { db in
            let used = try Int.fetchOne(db, sql: "SELECT (SELECT count(*) FROM token) + (SELECT count(*) FROM app) + (SELECT count(*) FROM batch) + (SELECT count(*) FROM audit) + (SELECT count(*) FROM operator)") ?? 0
            guard used == 0 else { throw StoreError.notEmpty(location: path) }
            for setting in Policy.Setting.allCases {
                try db.execute(sql: "UPDATE policy SET value = ? WHERE key = ?", arguments: [contents.policy[setting], setting.rawValue])
            }
            for batch in contents.batches {
                try db.execute(sql: """
                    INSERT INTO batch(id, file_name, sha256, rows_read, accepted, rejected, added, unchanged, assigned, atomic, created_at, actor)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [batch.id, batch.fileName, batch.sha256, batch.rowsRead, batch.accepted, batch.rejected, batch.added,
                                     batch.unchanged, batch.assigned, batch.atomic, batch.createdAt, batch.actor])
            }
            for report in contents.reports {
                try db.execute(sql: "INSERT INTO batch_report(batch_id, csv) VALUES (?, ?)", arguments: [report.batch, Data(report.csv)])
            }
            for record in contents.operators { try Self.insert(record, db) }
            for app in contents.apps {
                try db.execute(sql: "INSERT INTO app(upn, user_key, name, created_at) VALUES (?, ?, ?, ?)",
                               arguments: [app.upn, UPN.key(app.upn), app.name, app.createdAt])
            }
            let insert = try db.makeStatement(sql: """
                INSERT INTO token(serial, serial_key, sealed_secret, secret_fp, interval, hash, digits, manufacturer, model, upn, user_key,
                                  status, drift, last_used_step, failed_attempts, first_failure_at, locked_until, batch_id, created_at, updated_at)
                VALUES (?, lower(?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for record in tokens {
                let token = record.token
                try insert.execute(arguments: [
                    token.serial, token.serial, Data(record.sealed), record.fingerprint.map { Data($0) }, token.interval, token.hash,
                    token.digits, token.manufacturer, token.model, token.upn, token.upn.map(UPN.key), token.status.rawValue, token.drift,
                    token.lastUsedStep, token.failedAttempts, record.firstFailureAt, token.lockedUntil, token.batch, token.createdAt,
                    token.updatedAt,
                ])
            }
            try Self.append(contents.audit + [entry], db)
        }
    }
}
