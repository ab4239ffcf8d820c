import Foundation
import GRDB
import GRDBSQLite

/// A prepared statement driven through SQLite's C API: bind, step, reset.
///
/// Written by hand for the import's inserts: GRDB's `StatementArguments` box every value in an
/// existential array, which measured as a third of a million-row import. Everything else goes
/// through GRDB. Bindings outlive a run, so values that are the same for every run are bound once
/// (`bindConstants`) and each run binds only the leading parameters that change.
final class RawStatement {
    private let statement: Statement
    private let handle: OpaquePointer
    private let connection: OpaquePointer?
    private var index: Int32 = 0

    init(_ db: Database, sql: String) throws {
        statement = try db.makeStatement(sql: sql)
        handle = statement.sqliteStatement
        connection = db.sqliteConnection
    }

    /// SQLite copies bound text and blobs before `sqlite3_bind_*` returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    func bind(_ text: String?) {
        guard var text else { return bind(text: nil) }
        text.withUTF8 { bind(text: UnsafeRawBufferPointer($0)) }
    }

    /// Binds UTF-8 text held in a buffer (nil binds NULL); SQLite copies it.
    private func bind(text: UnsafeRawBufferPointer?) {
        index += 1
        guard let text else { sqlite3_bind_null(handle, index); return }
        if let start = text.baseAddress {
            sqlite3_bind_text(handle, index, start.assumingMemoryBound(to: CChar.self), Int32(text.count), Self.transient)
        } else {
            sqlite3_bind_text(handle, index, "", 0, Self.transient)
        }
    }

    /// Binds UTF-8 text (nil binds NULL) that SQLite reads in place instead of copying. The caller
    /// keeps the memory unchanged until the run, and calls `releaseBorrowed()` before freeing it.
    ///
    /// For the import's writer: copying every bound value (a malloc and a free each) was a quarter
    /// of its work.
    func bind(borrowedText text: UnsafeRawBufferPointer?) {
        index += 1
        borrowedUpTo = max(borrowedUpTo, index)
        guard let text else { sqlite3_bind_null(handle, index); return }
        sqlite3_bind_text(handle, index, (text.baseAddress ?? Self.empty).assumingMemoryBound(to: CChar.self), Int32(text.count), nil)
    }

    /// Binds a blob that SQLite reads in place (see `bind(borrowedText:)`).
    func bind(borrowedBlob blob: UnsafeRawBufferPointer) {
        index += 1
        borrowedUpTo = max(borrowedUpTo, index)
        _ = sqlite3_bind_blob(handle, index, blob.baseAddress ?? Self.empty, Int32(blob.count), nil)
    }

    /// Binds NULL to every parameter bound borrowed, so the statement holds no pointer into memory about to be freed.
    func releaseBorrowed() {
        for parameter in stride(from: 1, through: borrowedUpTo, by: 1) { sqlite3_bind_null(handle, parameter) }
        borrowedUpTo = 0
    }

    /// Highest parameter bound with `bind(borrowedText:)` or `bind(borrowedBlob:)` since `releaseBorrowed()`.
    private var borrowedUpTo: Int32 = 0
    /// Where an empty borrowed value points: SQLite reads no byte of it, but a null pointer would bind NULL.
    private static var empty: UnsafeRawPointer { UnsafeRawPointer(("" as StaticString).utf8Start) }

    func bind(_ value: Int64?) {
        index += 1
        if let value { sqlite3_bind_int64(handle, index, value) } else { sqlite3_bind_null(handle, index) }
    }

    func bind(_ value: Int) { bind(Int64(value)) }

    /// Binds parameters `position`, `position + 1`, ... once for every later run.
    func bindConstants(from position: Int32, _ bind: (RawStatement) -> Void) {
        index = position - 1
        bind(self)
        index = 0
    }

    /// The rowid of the connection's most recent insert.
    var lastInsertedRowID: Int64 { sqlite3_last_insert_rowid(connection) }

    /// Runs the statement once with what was bound, then resets it for the next row.
    func execute() throws {
        defer {
            sqlite3_reset(handle)
            index = 0
        }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            let message = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "SQLite error \(code)"
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
    }
}
