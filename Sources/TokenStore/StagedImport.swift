import Foundation
import GRDB
import TokenDomain
import TokenImport
import TokenService

/// An import that never holds SQLite's one writer for long, so sign-in checks go on beside it
/// (the server's imports; a command keeps the one-transaction import, fastest when alone).
///
/// Why: the writer is one lock for the whole file. An import that validated, sealed and stored
/// half a million rows inside one write transaction held it for 28 s, and every sign-in check
/// (which must write its replay floor) waited that long.
///
/// How, with the guarantees of the one-transaction import:
/// 1. One short transaction opens the batch as *pending* (`PendingBatches`): nobody sees its rows.
///    The importer holds a lock file (`ImportLock`) for as long as it lives.
/// 2. The file is validated against a read snapshot (WAL: no lock), and each 512 accepted rows are
///    stored, with their audit entries, as one piece of the group commit. When other transactions
///    (sign-in checks) ran beside a piece, the import leaves the writer to them for three times as
///    long as the piece took: under load it takes at most a quarter of the writer's time; alone it
///    runs at full speed (`docs/design.md` has the measurements).
/// 3. One short transaction publishes the batch: the assignments of stored tokens, the batch's
///    counts, its report and audit entry, and the batch is no longer pending. It first checks that
///    nothing the snapshot's verdicts rest on has changed since (the store's `generation`: owners,
///    tokens, apps); if something has, it refuses (`importRaced`) and stores nothing.
/// Rolled back (an atomic import with a rejected row, a file that cannot be used, an error, a race),
/// the pending rows are deleted a few thousand per transaction. Killed, the lock is released by the
/// kernel and whoever opens the store next deletes them (`removeAbandonedImports`): the store is
/// always as it was before or after the batch, as everyone sees it.
struct StagedImport {
    let store: TokenStore
    let stamp: AuditStamp

    /// Rows per stored piece: a piece holds the writer for a few milliseconds.
    static let chunkRows = 512

    /// How long the import leaves the writer to waiting sign-in checks after a piece, in multiples of
    /// the piece's time: 3 keeps the import to a quarter of the writer under load.
    static let yieldFactor = 3.0

    func run(_ input: TokenInput, validator: FileValidator, options: ImportOptions, handlers: FileValidator.Handlers) throws -> ImportResult {
        let lock = try ImportLock(store: store.path)
        defer { lock.release() }
        let (entry, generation) = try open(options: options, lock: lock)
        do {
            var result = ImportResult(summary: ValidationSummary(), batch: entry.batch, committed: true, sha256: options.sha256)
            let assignments = try stage(input, validator: validator, handlers: handlers, entry: entry, generation: generation, result: &result)
            if result.mustRollBack(atomic: options.atomic) {
                try discard(entry)
                result.committed = false
                result.batch = nil
                return result
            }
            try publish(entry, generation: generation, assignments: assignments, result: result, options: options)
            return result
        } catch {
            try? discard(entry)
            throw error
        }
    }

    /// Step 1: the batch, pending.
    private func open(options: ImportOptions, lock: ImportLock) throws -> (PendingBatches.Entry, Int64) {
        try store.groupCommit.submitAndWait { db in
            let entry = PendingBatches.Entry(
                batch: try TokenStore.openBatch(db, options: options, stamp: stamp), requestId: stamp.requestId,
                firstTokenID: try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM token") ?? 0,
                firstAuditID: try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM audit") ?? 0, lockName: lock.name)
            try db.execute(sql: """
                INSERT INTO pending_batch(batch_id, request_id, first_token_id, first_audit_id, lock_name) VALUES (?, ?, ?, ?, ?)
                """, arguments: [entry.batch, entry.requestId, entry.firstTokenID, entry.firstAuditID, entry.lockName])
            return (entry, try Schema.generation(db))
        }
    }

    /// Step 2: validates against a snapshot and stores accepted rows a piece at a time. Returns the
    /// rows that assign stored tokens (applied when the batch is published).
    private func stage(_ input: TokenInput, validator: FileValidator, handlers: FileValidator.Handlers, entry: PendingBatches.Entry,
                       generation: Int64, result: inout ImportResult) throws -> [(serial: String, upn: String)] {
        var assignments: [(serial: String, upn: String)] = []
        var rows: [ValidToken] = []
        rows.reserveCapacity(Self.chunkRows)
        var outcome = result
        try store.read { snapshot in
            var handlers = handlers
            handlers.accepted = { token in
                switch token.storeAction {
                case .unchanged: outcome.unchanged += 1
                case .assign:
                    outcome.assigned += 1
                    assignments.append((token.serial, token.upn ?? ""))
                case .add:
                    outcome.added += 1
                    rows.append(token)
                    if rows.count == Self.chunkRows {
                        try storePiece(rows, entry: entry, generation: generation)
                        rows.removeAll(keepingCapacity: true)
                    }
                }
            }
            var validator = validator
            validator.store = DatabaseStoreView(db: snapshot, vault: store.vault, connection: NSLock(),
                                                startedEmpty: try DatabaseStoreView.isEmpty(snapshot))
            outcome.summary = try input.validate(with: validator, handlers: handlers)
        }
        try storePiece(rows, entry: entry, generation: generation)
        result = outcome
        return assignments
    }

    /// Stores one piece of new tokens, with their `token.add` audit entries, in the next group commit.
    private func storePiece(_ tokens: [ValidToken], entry: PendingBatches.Entry, generation: Int64) throws {
        if tokens.isEmpty { return }
        try keepRoom()
        let sealed = tokens.map { (store.vault.box.seal($0.secret, serial: $0.serial), store.vault.fingerprint.of($0.secret)) }
        let added = AuditEvent.added(batch: entry.batch)
        let started = DispatchTime.now().uptimeNanoseconds, jobsBefore = store.groupCommit.jobsRun
        defer {
            // Others' transactions ran beside this piece: sign-in checks are coming in.
            if store.groupCommit.jobsRun - jobsBefore > 1 {
                let took = DispatchTime.now().uptimeNanoseconds - started
                Thread.sleep(forTimeInterval: Self.yieldFactor * Double(took) / 1e9)
            }
        }
        try submit(generation: generation) { db in
            let insert = try db.cachedStatement(sql: """
                INSERT INTO token(serial, sealed_secret, secret_fp, interval, hash, digits, manufacturer, model, upn, user_key, serial_key,
                                  status, batch_id, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, lower(?1), CASE WHEN ?9 IS NULL THEN 'available' ELSE 'assigned' END, ?11, ?12, ?12)
                """)
            var first: Int64 = 0
            for (token, (seal, print)) in zip(tokens, sealed) {
                try insert.execute(arguments: [token.serial, Data(seal), Data(print), token.interval, token.hash.rawValue, token.digits,
                                               token.manufacturer, token.model, token.upn, token.userKey, entry.batch, stamp.at])
                if first == 0 { first = db.lastInsertedRowID }
            }
            try db.execute(sql: """
                INSERT INTO audit(at, actor, action, serial, upn, detail, request_id, role, client)
                SELECT ?, ?, ?, serial, upn, ?, ?, ?, ? FROM token WHERE id BETWEEN ? AND ? AND batch_id = ? ORDER BY id
                """, arguments: [stamp.at, stamp.actor, added.action, added.detail, stamp.requestId, stamp.role, stamp.client,
                                 first, db.lastInsertedRowID, entry.batch])
        }
    }

    /// Step 3: the batch, published.
    private func publish(_ entry: PendingBatches.Entry, generation: Int64, assignments: [(serial: String, upn: String)],
                         result: ImportResult, options: ImportOptions) throws {
        let assigned = AuditEvent.assignedByImport(batch: entry.batch)
        try submit(generation: generation) { db in
            for (serial, upn) in assignments {
                try TokenStore.apply(.assign(serial: serial, upn: upn), at: stamp.at, db)
                try TokenStore.append([stamp.entry(assigned, serial: serial, upn: upn)], db)
            }
            try TokenStore.closeBatch(db, batch: entry.batch, result: result, options: options, stamp: stamp)
            try db.execute(sql: "DELETE FROM pending_batch WHERE batch_id = ?", arguments: [entry.batch])
        }
    }

    /// Runs `body` in the next group commit, first refusing when the store's inventory moved since the snapshot.
    private func submit(generation: Int64, _ body: @escaping (Database) throws -> Void) throws {
        try store.groupCommit.submitAndWait { db in
            guard try Schema.generation(db) == generation else { throw StoreError.importRaced }
            do {
                try body(db)
            } catch let error as DatabaseError where error.message?.hasPrefix("user_token_limit") == true
                        || error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                // A token or a user's slot taken by someone else after the snapshot.
                throw StoreError.importRaced
            }
        }
    }

    /// Free space the import leaves on the store's file system: its pieces are committed, so a disk
    /// it filled would stay full (sign-in checks refused, its own undo impossible) until someone
    /// freed space. It stops short instead, as on a full disk (`storeFull`), and is undone.
    static let headroom: UInt64 = 16 << 20

    private func keepRoom() throws {
        var info = statvfs()
        let folder = (store.path as NSString).deletingLastPathComponent
        guard statvfs(folder.isEmpty ? "." : folder, &info) == 0 else { return }
        if UInt64(info.f_bavail) * UInt64(info.f_frsize) < Self.headroom { throw StoreError.storeFull }
    }

    private func discard(_ entry: PendingBatches.Entry) throws {
        try store.discard(entry) { body in try store.groupCommit.submitAndWait(body) }
    }
}
