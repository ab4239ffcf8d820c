import Foundation
import GRDB
import TokenDomain

/// Batches being imported in stages (`StagedImport`): their tokens and audit entries are already
/// in the tables, in short committed transactions, but nobody sees them until the batch is
/// published in one last short transaction; a batch whose importer died is removed.
///
/// Readers ask once per query which batches are pending (almost always none: then nothing is
/// added to their SQL). A pending batch's tokens still count toward their users' five methods,
/// as a reservation, so no assign can slip past the limit while the import runs.
struct PendingBatches {
    struct Entry {
        var batch: Int64
        var requestId: String
        /// Its tokens and audit entries have higher ids than these.
        var firstTokenID: Int64
        var firstAuditID: Int64
        /// The file the importer holds an exclusive lock on while it lives (`ImportLock`).
        var lockName: String
    }

    var entries: [Entry]

    static func load(_ db: Database) throws -> PendingBatches {
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT batch_id, request_id, first_token_id, first_audit_id, lock_name FROM pending_batch ORDER BY batch_id
            """))
        return PendingBatches(entries: rows.map { Entry(batch: $0[0], requestId: $0[1], firstTokenID: $0[2], firstAuditID: $0[3], lockName: $0[4]) })
    }

    /// An SQL condition on `token` that hides pending batches' tokens ("1" when none is pending),
    /// for queries over many rows: nothing per row when nothing is pending.
    var visibleTokens: String {
        entries.isEmpty ? "1" : "(batch_id IS NULL OR batch_id NOT IN (\(batchList)))"
    }

    /// An SQL condition on `batch`.
    var visibleBatches: String {
        entries.isEmpty ? "1" : "id NOT IN (\(batchList))"
    }

    /// The pending batches' ids: integers from the store, so written into the SQL as they are.
    private var batchList: String { entries.map { String($0.batch) }.joined(separator: ",") }

    /// The same rule as `visibleTokens` as one constant condition, for a lookup of one token: its
    /// statement can be cached, and no query of `pending_batch` goes before it.
    static let visibleToken = "NOT EXISTS (SELECT 1 FROM pending_batch WHERE batch_id = token.batch_id)"

    /// An SQL condition on `audit` hiding pending batches' entries, with its arguments.
    var visibleAudit: (String, [DatabaseValueConvertible?]) {
        if entries.isEmpty { return ("1", []) }
        let conditions = entries.map { _ in "NOT (id > ? AND request_id IS ?)" }.joined(separator: " AND ")
        return (conditions, entries.flatMap { [$0.firstAuditID, $0.requestId] as [DatabaseValueConvertible?] })
    }
}

/// The lock a staged import holds on a file beside the store while it runs: when its process dies,
/// the kernel releases it, and whoever opens the store next removes the batch it left.
final class ImportLock {
    let name: String
    private let path: String
    private let descriptor: Int32

    /// Creates (0600) and locks a new lock file beside `store`.
    init(store: String) throws {
        name = "import-" + UUID().uuidString.lowercased()
        path = Self.path(store: store, name: name)
        descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StoreError.database("cannot create the import's lock file \(path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            Glibc.close(descriptor)
            throw StoreError.database("cannot lock the import's lock file \(path)")
        }
    }

    /// Unlocks and removes the file: the import is over, one way or the other.
    func release() {
        unlink(path)
        Glibc.close(descriptor)
    }

    static func path(store: String, name: String) -> String { "\(store)-\(name).lock" }

    /// True when no live process holds the lock `name` (its importer is gone): then the file is removed.
    static func isAbandoned(store: String, name: String) -> Bool {
        let path = path(store: store, name: name)
        let descriptor = Glibc.open(path, O_RDWR | O_CLOEXEC)
        if descriptor < 0 { return errno == ENOENT }
        defer { Glibc.close(descriptor) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { return false }
        unlink(path)
        return true
    }
}

extension TokenStore {
    /// Removes what imports that died mid-way left (their tokens, audit entries and batch), a
    /// few thousand rows per transaction. Pending batches of live importers are left alone.
    func removeAbandonedImports() throws {
        let pending = try read { db in try PendingBatches.load(db) }
        for entry in pending.entries where ImportLock.isAbandoned(store: path, name: entry.lockName) {
            try discard(entry) { body in try write(body) }
        }
    }

    /// Deletes a pending batch's rows in transactions of at most `discardChunk` rows, then the batch.
    /// - Parameter transact: runs one write transaction (the group commit on a server, so sign-in checks go between).
    func discard(_ entry: PendingBatches.Entry, transact: (@escaping (Database) throws -> Int) throws -> Int) throws {
        while try transact({ db in
            try db.execute(sql: "DELETE FROM token WHERE id IN (SELECT id FROM token WHERE id > ? AND batch_id = ? LIMIT \(Self.discardChunk))",
                           arguments: [entry.firstTokenID, entry.batch])
            return db.changesCount
        }) > 0 {}
        while try transact({ db in
            try db.execute(sql: "DELETE FROM audit WHERE id IN (SELECT id FROM audit WHERE id > ? AND request_id IS ? LIMIT \(Self.discardChunk))",
                           arguments: [entry.firstAuditID, entry.requestId])
            return db.changesCount
        }) > 0 {}
        _ = try transact { db in
            try db.execute(sql: "DELETE FROM batch_report WHERE batch_id = ?", arguments: [entry.batch])
            try db.execute(sql: "DELETE FROM pending_batch WHERE batch_id = ?", arguments: [entry.batch])
            try db.execute(sql: "DELETE FROM batch WHERE id = ?", arguments: [entry.batch])
            return 0
        }
    }

    /// Rows deleted per transaction when a batch is discarded: short enough that sign-in checks barely wait.
    static let discardChunk = 4_096
}
