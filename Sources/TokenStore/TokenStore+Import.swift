import Foundation
import GRDB
import TokenImport

/// What an import did.
public struct ImportResult: Sendable {
    public var summary: ValidationSummary
    public var added = 0
    public var assigned = 0
    public var unchanged = 0
    /// The batch recorded, or nil when nothing was committed.
    public var batch: Int64?
    /// False when `--atomic` rolled the import back (or the file was unusable).
    public var committed: Bool
    public var sha256: String
}

extension TokenStore {
    /// How to import.
    public struct ImportOptions: Sendable {
        /// Store nothing when any row is rejected.
        public var atomic = false
        public var entra = false
        /// The file's name, for the batch record.
        public var fileName: String

        public init(fileName: String, atomic: Bool = false, entra: Bool = false) {
            self.fileName = fileName
            self.atomic = atomic
            self.entra = entra
        }
    }

    /// Validates a token file against the store and stores the accepted rows, all in one transaction.
    ///
    /// The rules read the store inside the same IMMEDIATE transaction that writes, so two imports
    /// racing for a user's last slot or for one serial are serialised and cannot both succeed.
    /// - Parameter handlers: receive findings and rejected rows (the error report); `accepted` is set here.
    public func importTokens(source: some ByteSource, options: ImportOptions, handlers: FileValidator.Handlers) throws -> ImportResult {
        let hashing = HashingByteSource(source)
        do {
            return try importInTransaction(hashing, options: options, handlers: handlers)
        } catch let rollback as Rollback {
            var result = rollback.result
            result.committed = false
            result.batch = nil
            return result
        }
    }

    private func importInTransaction(_ hashing: HashingByteSource<some ByteSource>, options: ImportOptions,
                                     handlers: FileValidator.Handlers) throws -> ImportResult {
        try write { db in
            let started = now()
            try db.execute(sql: """
                INSERT INTO batch(file_name, sha256, rows_read, accepted, rejected, added, unchanged, assigned, atomic, created_at, actor)
                VALUES (?, '', 0, 0, 0, 0, 0, 0, ?, ?, ?)
                """, arguments: [options.fileName, options.atomic, started, actor])
            let batch = db.lastInsertedRowID
            var result = ImportResult(summary: ValidationSummary(), batch: batch, committed: true, sha256: "")
            let insert = try db.makeStatement(sql: """
                INSERT INTO token(serial, sealed_secret, interval, hash, digits, manufacturer, model, upn, user_key, status, batch_id, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let assign = try db.makeStatement(sql: "UPDATE token SET upn = ?, user_key = ?, status = 'assigned', updated_at = ? WHERE serial = ?")
            var handlers = handlers
            handlers.accepted = { token in
                switch token.storeAction {
                case .unchanged:
                    result.unchanged += 1
                case .assign:
                    try assign.execute(arguments: [token.upn, token.userKey, started, token.serial])
                    try self.audit(db, action: "token.assign", serial: token.serial, upn: token.upn, detail: "batch \(batch)")
                    result.assigned += 1
                case .add:
                    let sealed = self.box.seal(token.secret, serial: token.serial)
                    try insert.execute(arguments: [token.serial, Data(sealed), token.interval, token.hash.rawValue, token.digits,
                                                   token.manufacturer, token.model, token.upn, token.userKey,
                                                   token.upn == nil ? TokenStatus.available.rawValue : TokenStatus.assigned.rawValue,
                                                   batch, started, started])
                    try self.audit(db, action: "token.add", serial: token.serial, upn: token.upn, detail: "batch \(batch)")
                    result.added += 1
                }
            }
            let validator = FileValidator(rules: RowRules(entra: options.entra), maxMethodsPerUser: Schema.maxMethodsPerUser,
                                          store: try DatabaseStoreView(db: db, box: box))
            result.summary = try validator.run(source: hashing, handlers: handlers)
            result.sha256 = hashing.digest.finalize()
            if result.summary.fileUnusable || (options.atomic && result.summary.rejected > 0) {
                throw Rollback(result: result)
            }
            try db.execute(sql: """
                UPDATE batch SET sha256 = ?, rows_read = ?, accepted = ?, rejected = ?, added = ?, unchanged = ?, assigned = ? WHERE id = ?
                """, arguments: [result.sha256, result.summary.rowsRead, result.summary.accepted, result.summary.rejected,
                                 result.added, result.unchanged, result.assigned, batch])
            try audit(db, action: "batch.import", serial: nil, upn: nil,
                      detail: "batch \(batch) file \(options.fileName) sha256 \(result.sha256) added \(result.added) assigned \(result.assigned) unchanged \(result.unchanged) rejected \(result.summary.rejected)")
            return result
        }
    }

    /// Thrown inside the transaction to undo it while keeping the counts for the summary.
    struct Rollback: Error {
        var result: ImportResult
    }
}
