import Foundation
import GRDB
import TokenImport
import TokenDomain
import TokenService

/// The import's second thread: stores the rows the validating thread accepted, batch by batch.
///
/// SQLite is more than half of a large import's work (per token: the row with its serial and user
/// indexes, an audit row with its serial and user indexes). Doing it here while the calling thread
/// reads, checks and seals the next rows nearly halves an import on two cores.
///
/// Both threads use the import's one connection, inside its one transaction, never at the same
/// time: the writer holds `connection` while it stores a batch, the validating thread while it asks
/// the store about a serial or a user. The writer drives SQLite's C API only, through statements
/// prepared on GRDB's thread, so GRDB's own state is touched by GRDB's thread alone.
final class ImportWriter: @unchecked Sendable {
    // @unchecked: the statements are used by the writer thread only, under `connection`;
    // `failure` is written by the writer before it leaves `finished` and read after `finished.wait()`.

    /// Held by whichever thread is using the SQLite connection.
    let connection = NSLock()
    private let handoff = Handoff<PackedRows>(capacity: 8)
    private let finished = DispatchGroup()
    private var failure: (any Error)?
    private let insert: RawStatement
    /// Inserts `insertGroup` tokens per run.
    private let insertMany: RawStatement
    private let assign: RawStatement
    private let auditAssign: RawStatement
    /// Writes the `token.add` audit rows of a whole batch in one statement, from the rows just stored.
    private let auditAdds: RawStatement
    /// The highest token rowid stored so far: each batch's new tokens follow it.
    private var lastTokenID: Int64

    /// Rows per batch handed to the writer: large enough that locking is rare, small enough to keep memory flat.
    static let batchRows = 1024

    /// Prepares the statements on the calling (GRDB) thread and starts the writer thread.
    init(db: Database, batch: Int64, stamp: AuditStamp) throws {
        let started = stamp.at
        insert = try RawStatement(db, sql: Self.insertSQL(rows: 1))
        insert.bindConstants(from: Int32(Self.parametersPerRow + 1)) { $0.bind(batch); $0.bind(started) }
        insertMany = try RawStatement(db, sql: Self.insertSQL(rows: Self.insertGroup))
        insertMany.bindConstants(from: Int32(Self.insertGroup * Self.parametersPerRow + 1)) { $0.bind(batch); $0.bind(started) }
        assign = try RawStatement(db, sql: "UPDATE token SET upn = ?, user_key = ?, status = 'assigned', updated_at = ?4 WHERE serial_key = lower(?3)")
        assign.bindConstants(from: 4) { $0.bind(started) }
        let assigned = AuditEvent.assignedByImport(batch: batch), added = AuditEvent.added(batch: batch)
        auditAssign = try RawStatement(db, sql: """
            INSERT INTO audit(at, actor, action, serial, upn, detail, request_id, role, client) VALUES (?3, ?4, ?5, ?1, ?2, ?6, ?7, ?8, ?9)
            """)
        auditAssign.bindConstants(from: 3) {
            $0.bind(started); $0.bind(stamp.actor); $0.bind(assigned.action); $0.bind(assigned.detail); $0.bind(stamp.requestId)
            $0.bind(stamp.role); $0.bind(stamp.client)
        }
        auditAdds = try RawStatement(db, sql: """
            INSERT INTO audit(at, actor, action, serial, upn, detail, request_id, role, client)
            SELECT ?3, ?4, ?5, serial, upn, ?6, ?8, ?9, ?10 FROM token WHERE id BETWEEN ?1 AND ?2 AND batch_id = ?7 ORDER BY id
            """)
        auditAdds.bindConstants(from: 3) {
            $0.bind(started); $0.bind(stamp.actor); $0.bind(added.action); $0.bind(added.detail); $0.bind(batch); $0.bind(stamp.requestId)
            $0.bind(stamp.role); $0.bind(stamp.client)
        }
        lastTokenID = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM token") ?? 0
        let finished = finished
        finished.enter()
        // The thread holds the writer only while it runs, so the writer is released (and its
        // statements finalised) on the calling thread, never on this one while GRDB goes on.
        Thread { [weak self] in
            self?.run()
            finished.leave()
        }.start()
    }

    /// Tokens per multi-row insert: each statement run costs about as much as binding a row, so
    /// sixteen rows a run took a tenth off the writer (64 measured no better).
    static let insertGroup = 16

    /// Parameters bound for each token of an insert: serial, sealed secret, seed fingerprint,
    /// interval, hash, digits, manufacturer, model, upn, user key (the serial key and the status
    /// follow from the serial and the upn).
    private static let parametersPerRow = 10

    /// An insert of `rows` tokens: `parametersPerRow` parameters per row, then the batch and the time for all.
    private static func insertSQL(rows: Int) -> String {
        let perRow = parametersPerRow
        let constants = "?\(rows * perRow + 1), ?\(rows * perRow + 2), ?\(rows * perRow + 2)"
        let values = (0..<rows).map { row in
            let parameters = (1...perRow).map { "?\(row * perRow + $0)" }
            let upn = parameters[8]
            let status = "CASE WHEN \(upn) IS NULL THEN '\(TokenStatus.available.rawValue)' ELSE '\(TokenStatus.assigned.rawValue)' END"
            return "(" + parameters.joined(separator: ", ") + ", lower(\(parameters[0])), \(status), \(constants))"
        }
        return """
            INSERT INTO token(serial, sealed_secret, secret_fp, interval, hash, digits, manufacturer, model, upn, user_key, serial_key, status, batch_id, created_at, updated_at)
            VALUES \(values.joined(separator: ", "))
            """
    }

    /// Hands a batch to the writer, waiting while eight are queued. Throws what stopped the writer, if it stopped.
    func submit(_ rows: PackedRows) throws {
        if rows.isEmpty { return }
        if !handoff.put(rows) {
            finished.wait()
            throw failure ?? CancellationError()
        }
    }

    /// Waits until every submitted row is stored; throws what stopped the writer, if anything did.
    func finish() throws {
        handoff.close()
        finished.wait()
        if let failure { throw failure }
    }

    /// Stops the writer and returns what stopped it, if anything did. When the reading side meets a
    /// transaction SQLite rolled back on its own (after the writer hit a full disk), that is the cause.
    func stopped() -> (any Error)? {
        abandon()
        return failure
    }

    /// Stops the writer without storing what is queued (the transaction is being rolled back) and waits for it.
    func abandon() {
        handoff.cancel()
        handoff.close()
        finished.wait()
    }

    private func run() {
        while let rows = handoff.take() {
            connection.lock()
            defer { connection.unlock() }
            do {
                try store(rows)
            } catch {
                failure = error
                handoff.cancel()
                return
            }
        }
    }

    private func store(_ rows: PackedRows) throws {
        defer { for statement in [insert, insertMany, assign, auditAssign] { statement.releaseBorrowed() } }
        let firstNew = lastTokenID + 1
        var pending = rows.count - rows.assignCount
        var grouped = 0
        try rows.forEach { row in
            if row.assigns {
                assign.bind(borrowedText: row.upn)
                assign.bind(borrowedText: row.userKey)
                assign.bind(borrowedText: row.serial)
                try assign.execute()
                auditAssign.bind(borrowedText: row.serial)
                auditAssign.bind(borrowedText: row.upn)
                try auditAssign.execute()
                return
            }
            let statement = pending >= Self.insertGroup || grouped > 0 ? insertMany : insert
            // Borrowed: the batch's buffer outlives every run below, and is released before it is freed.
            statement.bind(borrowedText: row.serial)
            statement.bind(borrowedBlob: row.sealed)
            statement.bind(borrowedBlob: row.fingerprint)
            statement.bind(row.interval)
            statement.bind(borrowedText: row.hash)
            statement.bind(row.digits)
            statement.bind(borrowedText: row.manufacturer)
            statement.bind(borrowedText: row.model)
            statement.bind(borrowedText: row.upn)
            statement.bind(borrowedText: row.userKey)
            pending -= 1
            if statement === insertMany {
                grouped += 1
                if grouped < Self.insertGroup { return }
                grouped = 0
            }
            try statement.execute()
            lastTokenID = statement.lastInsertedRowID
        }
        if lastTokenID >= firstNew {
            auditAdds.bind(firstNew)
            auditAdds.bind(lastTokenID)
            try auditAdds.execute()
        }
    }
}
