import Foundation
import GRDB
import GRDBSQLite
import OATHCore
import TokenDomain
import TokenService

extension TokenStore {
    /// `find`'s candidates, read straight from SQLite's C API a block at a time: a million tokens
    /// through GRDB's row decoding measured slower than checking them.
    public func forEachCandidateBlock(digits: Int, userKey: String?, blockSize: Int,
                                      _ body: (CandidateBlock) throws -> Void) async throws {
        try read { db in
            var sql = "SELECT serial, sealed_secret, interval, hash, drift FROM token WHERE digits = ? AND \(try PendingBatches.load(db).visibleTokens)"
            if userKey != nil { sql += " AND user_key = ?" }
            let statement = try db.makeStatement(sql: sql)
            try statement.setArguments(userKey.map { [digits, $0] } ?? [digits])
            while true {
                let block = try Self.readBlock(statement.sqliteStatement, connection: db.sqliteConnection, limit: blockSize)
                try body(block)
                if block.isLast { break }
            }
        }
    }

    /// Steps `statement` (serial, sealed_secret, interval, hash, drift) up to `limit` times; `isLast` at the end.
    private static func readBlock(_ statement: OpaquePointer, connection: OpaquePointer?, limit: Int) throws -> CandidateBlock {
        var block = CandidateBlock(capacity: limit)
        while block.count < limit {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE {
                block.isLast = true
                break
            }
            guard step == SQLITE_ROW else { throw StoreError.database(String(cString: sqlite3_errmsg(connection))) }
            block.append(serial: column(0, of: statement), sealed: column(1, of: statement),
                         interval: UInt64(sqlite3_column_int64(statement, 2)), hash: hashAlgorithm(column: 3, of: statement),
                         drift: Int(sqlite3_column_int64(statement, 4)))
        }
        return block
    }

    /// The stored hash name, without a `String` for the usual SHA-1.
    private static func hashAlgorithm(column: Int32, of statement: OpaquePointer) -> HashAlgorithm {
        guard let text = sqlite3_column_text(statement, column) else { return .sha1 }
        if sqlite3_column_bytes(statement, column) == 4, memcmp(text, "sha1", 4) == 0 { return .sha1 }
        return HashAlgorithm(rawValue: String(cString: text)) ?? .sha1
    }

    private static func column(_ index: Int32, of statement: OpaquePointer) -> UnsafeRawBufferPointer {
        let length = Int(sqlite3_column_bytes(statement, index))
        guard length > 0, let pointer = sqlite3_column_blob(statement, index) else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: pointer, count: length)
    }
}
