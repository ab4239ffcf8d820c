import Foundation
import GRDB
import TokenImport
import TokenService

extension TokenStore {
    /// Validates a token file against the store and stores the accepted rows: in one transaction
    /// on a command's store, in stages on a server's (`StagedImport`), where sign-in checks go on beside it.
    ///
    /// The rules read the store inside the same IMMEDIATE transaction that writes, so two imports
    /// racing for a user's last slot or for one serial are serialised and cannot both succeed.
    /// - Parameters:
    ///   - validator: the rules to apply (entra, encodings, column names); the store's view and limit are set here.
    ///   - handlers: receive findings and rejected rows (the error report); `accepted` is set here.
    public func importTokens(_ input: TokenInput, validator: FileValidator, options: ImportOptions,
                             handlers: FileValidator.Handlers, stamp: AuditStamp) async throws -> ImportResult {
        if stagesImports {
            // Blocks the calling thread (the service's bulk lane) while another staged import runs.
            return try importGate.withLock {
                try removeAbandonedImports()
                return try StagedImport(store: self, stamp: stamp).run(input, validator: validator, options: options, handlers: handlers)
            }
        }
        do {
            return try importInTransaction(input, validator: validator, options: options, handlers: handlers, stamp: stamp)
        } catch let rollback as Rollback {
            var result = rollback.result
            result.committed = false
            result.batch = nil
            return result
        }
    }

    private func importInTransaction(_ input: TokenInput, validator: FileValidator, options: ImportOptions,
                                     handlers: FileValidator.Handlers, stamp: AuditStamp) throws -> ImportResult {
        try write { db in
            let batch = try Self.openBatch(db, options: options, stamp: stamp)
            var result = ImportResult(summary: ValidationSummary(), batch: batch, committed: true, sha256: options.sha256)
            // The import checks the five-methods limit for every row itself (`FileRules`, from the
            // store's counts read in this transaction plus the file's earlier rows) and reports each
            // refusal as a finding. The insert trigger would repeat that check, and its mere presence
            // makes SQLite copy every page each insert touches into a statement journal: the two
            // measured two thirds of a million-row import. So the trigger is lifted inside this
            // transaction and put back before it commits; no other writer can run meanwhile, and a
            // killed import rolls both back.
            try db.execute(sql: "DROP TRIGGER token_limit_insert")
            // A million-row import touches the user indexes all over: 64 MiB of page cache instead of
            // SQLite's 2 MiB keeps most of them in memory (measured 1-2 s of 14 s).
            try db.execute(sql: "PRAGMA cache_size = -65536")
            defer { try? db.execute(sql: "PRAGMA cache_size = -2000") }
            // Into an empty store, the secondary indexes are built once all rows are stored (nothing
            // reads them meanwhile: the store view asks nothing of an empty store).
            let startedEmpty = try DatabaseStoreView.isEmpty(db)
            let indexes = startedEmpty ? try DeferredIndexes.drop(db) : DeferredIndexes.none
            let writer = try ImportWriter(db: db, batch: batch, stamp: stamp)
            defer { writer.abandon() }
            var rows = PackedRows(rows: ImportWriter.batchRows)
            var handlers = handlers
            handlers.accepted = { token in
                switch token.storeAction {
                case .unchanged:
                    result.unchanged += 1
                    return
                case .assign: result.assigned += 1
                case .add: result.added += 1
                }
                let adds = token.storeAction == .add
                rows.append(token, sealed: adds ? self.vault.box.seal(token.secret, serial: token.serial) : [],
                            fingerprint: adds ? self.vault.fingerprint.of(token.secret) : [])
                if rows.count == ImportWriter.batchRows {
                    try writer.submit(rows)
                    rows = PackedRows(rows: ImportWriter.batchRows)
                }
            }
            var validator = validator
            validator.store = DatabaseStoreView(db: db, vault: vault, connection: writer.connection, startedEmpty: startedEmpty)
            do {
                result.summary = try input.validate(with: validator, handlers: handlers)
                try writer.submit(rows)
                try writer.finish()
            } catch {
                throw writer.stopped() ?? error
            }
            try db.execute(sql: Schema.tokenLimitInsertTrigger)
            try indexes.rebuild(db)
            if result.mustRollBack(atomic: options.atomic) { throw Rollback(result: result) }
            try Self.closeBatch(db, batch: batch, result: result, options: options, stamp: stamp)
            return result
        }
    }

    /// A new batch row with its file and zero counts; its id. Both imports (one-transaction and staged) open one so.
    static func openBatch(_ db: Database, options: ImportOptions, stamp: AuditStamp) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO batch(file_name, sha256, rows_read, accepted, rejected, added, unchanged, assigned, atomic, created_at, actor)
            VALUES (?, ?, 0, 0, 0, 0, 0, 0, ?, ?, ?)
            """, arguments: [options.fileName, options.sha256, options.atomic, stamp.at, stamp.actor])
        return db.lastInsertedRowID
    }

    /// What a committed import records of its batch: the counts, the kept error report, the `import`
    /// audit entry, and one step of the store's generation (new tokens have no generation trigger:
    /// a million rows would pay for one each).
    static func closeBatch(_ db: Database, batch: Int64, result: ImportResult, options: ImportOptions, stamp: AuditStamp) throws {
        try db.execute(sql: """
            UPDATE batch SET rows_read = ?, accepted = ?, rejected = ?, added = ?, unchanged = ?, assigned = ? WHERE id = ?
            """, arguments: [result.summary.rowsRead, result.summary.accepted, result.summary.rejected,
                             result.added, result.unchanged, result.assigned, batch])
        if let report = options.report {
            try db.execute(sql: "INSERT INTO batch_report(batch_id, csv) VALUES (?, ?)", arguments: [batch, Data(report.csv)])
        }
        try append([stamp.entry(.imported(result.tally(batch: batch, fileName: options.fileName)))], db)
        try db.execute(sql: Schema.bumpGeneration)
    }

    /// Thrown inside the transaction to undo it while keeping the counts for the summary.
    struct Rollback: Error {
        var result: ImportResult
    }
}
