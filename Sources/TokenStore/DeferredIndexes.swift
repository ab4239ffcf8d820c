import GRDB

/// The token and audit tables' secondary indexes, dropped at the start of an import into an empty
/// store and built again from the stored rows before it commits.
///
/// Kept up row by row, each index takes every row at a random place in a B-tree that soon outgrows
/// the page cache; built at the end, SQLite sorts the keys once and writes the pages in order. The
/// import's writer thread, its bottleneck, went from 3.5 to 2.0 G instructions per 100k rows; the
/// build at the end costs 1.3 G on one thread. A million-row import went from 8.6-10.8 s to
/// 8.1-8.4 s (alternating runs), and its peak RSS from 316 to 188 MB.
/// The drop and the rebuild are inside the import's transaction: a killed or rolled-back import
/// leaves the indexes as they were. The serial's uniqueness index stays: it is part of the table.
struct DeferredIndexes {
    /// The `CREATE INDEX` statements of the dropped indexes, as the schema wrote them.
    private let definitions: [String]

    /// Nothing dropped, nothing to rebuild.
    static let none = DeferredIndexes(definitions: [])

    /// Drops the token and audit tables' own indexes (not those SQLite made for a UNIQUE column)
    /// and remembers their definitions.
    static func drop(_ db: Database) throws -> DeferredIndexes {
        let indexes = try Row.fetchAll(db, sql: """
            SELECT name, sql FROM sqlite_master
            WHERE type = 'index' AND tbl_name IN ('token', 'audit') AND sql IS NOT NULL ORDER BY name
            """)
        for index in indexes {
            try db.execute(sql: "DROP INDEX \((index["name"] as String).quotedDatabaseIdentifier)")
        }
        return DeferredIndexes(definitions: indexes.map { $0["sql"] })
    }

    /// Creates the dropped indexes again.
    func rebuild(_ db: Database) throws {
        for definition in definitions { try db.execute(sql: definition) }
    }
}
