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
        /// The file's name and SHA-256, for the batch record.
        public var fileName: String
        public var sha256: String

        public init(fileName: String, sha256: String, atomic: Bool = false) {
            self.fileName = fileName
            self.sha256 = sha256
            self.atomic = atomic
        }
    }

    /// Validates a token file against the store and stores the accepted rows, all in one transaction.
    ///
    /// The rules read the store inside the same IMMEDIATE transaction that writes, so two imports
    /// racing for a user's last slot or for one serial are serialised and cannot both succeed.
    /// - Parameters:
    ///   - validator: the rules to apply (entra, encodings, column names); the store's view and limit are set here.
    ///   - handlers: receive findings and rejected rows (the error report); `accepted` is set here.
    public func importTokens(_ input: TokenInput, validator: FileValidator = FileValidator(), options: ImportOptions,
                             handlers: FileValidator.Handlers) throws -> ImportResult {
        do {
            return try importInTransaction(input, validator: validator, options: options, handlers: handlers)
        } catch let rollback as Rollback {
            var result = rollback.result
            result.committed = false
            result.batch = nil
            return result
        }
    }

    private func importInTransaction(_ input: TokenInput, validator template: FileValidator, options: ImportOptions,
                                     handlers: FileValidator.Handlers) throws -> ImportResult {
        try write { db in
            let started = now()
            try db.execute(sql: """
                INSERT INTO batch(file_name, sha256, rows_read, accepted, rejected, added, unchanged, assigned, atomic, created_at, actor)
                VALUES (?, ?, 0, 0, 0, 0, 0, 0, ?, ?, ?)
                """, arguments: [options.fileName, options.sha256, options.atomic, started, actor])
            let batch = db.lastInsertedRowID
            var result = ImportResult(summary: ValidationSummary(), batch: batch, committed: true, sha256: options.sha256)
            let insert = try RawStatement(db, sql: """
                INSERT INTO token(serial, sealed_secret, interval, hash, digits, manufacturer, model, upn, user_key, status, batch_id, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let auditAdd = try RawStatement(db, sql: "INSERT INTO audit(at, actor, action, serial, upn, detail) VALUES (?, ?, 'token.add', ?, ?, ?)")
            let batchDetail = "batch \(batch)"
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
                    insert.bind(token.serial)
                    insert.bind(blob: self.box.seal(token.secret, serial: token.serial))
                    insert.bind(token.interval)
                    insert.bind(token.hash.rawValue)
                    insert.bind(token.digits)
                    insert.bind(token.manufacturer)
                    insert.bind(token.model)
                    insert.bind(token.upn)
                    insert.bind(token.userKey)
                    insert.bind(token.upn == nil ? TokenStatus.available.rawValue : TokenStatus.assigned.rawValue)
                    insert.bind(batch)
                    insert.bind(started)
                    insert.bind(started)
                    try insert.execute()
                    auditAdd.bind(started)
                    auditAdd.bind(self.actor)
                    auditAdd.bind(token.serial)
                    auditAdd.bind(token.upn)
                    auditAdd.bind(batchDetail)
                    try auditAdd.execute()
                    result.added += 1
                }
            }
            var validator = template
            validator.maxMethodsPerUser = Schema.maxMethodsPerUser
            validator.store = try DatabaseStoreView(db: db, box: box)
            result.summary = try input.validate(with: validator, handlers: handlers)
            if result.summary.fileUnusable || (options.atomic && result.summary.rejected > 0) {
                throw Rollback(result: result)
            }
            try db.execute(sql: """
                UPDATE batch SET rows_read = ?, accepted = ?, rejected = ?, added = ?, unchanged = ?, assigned = ? WHERE id = ?
                """, arguments: [result.summary.rowsRead, result.summary.accepted, result.summary.rejected,
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
