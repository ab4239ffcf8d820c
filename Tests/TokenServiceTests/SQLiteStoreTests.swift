import Foundation
import GRDB
import OATHCore
import Testing
import TokenImport
@testable import TokenStore
import TokenService
import SecretSealing
import TokenDomain

/// The SQLite backend's own workings: its file, its migrations, its triggers, its import fast path.
@Suite struct SQLiteStoreTests {
    @Test func wrongKeyIsRefusedOnOpen() async throws {
        let fixture = try await ServiceFixture(.sqlite)
        #expect(throws: StoreError.wrongKey) {
            try TokenStore.open(path: fixture.path, vault: Vault(key: .forTesting(Array(repeating: 9, count: 32))))
        }
        _ = try TokenStore.open(path: fixture.path, vault: fixture.vault)
        #expect(throws: StoreError.storeMissing(path: "/nonexistent/x.sqlite")) {
            try TokenStore.open(path: "/nonexistent/x.sqlite", vault: fixture.vault)
        }
    }

    @Test func storeFileIsPrivate() async throws {
        let fixture = try await ServiceFixture(.sqlite)
        #expect(try FileManager.default.attributesOfItem(atPath: fixture.path)[.posixPermissions] as? Int == 0o600)
    }

    /// Durable before the answer: the file is in WAL mode and every writer (a command's queue, the
    /// server's pool, whose library would set NORMAL) syncs the log at each commit; the log is
    /// private like the store, and closing folds it back into the store.
    @Test func commitsAreSyncedWriteAheadLogs() async throws {
        let fixture = try await ServiceFixture(.sqlite)
        let path = fixture.directory.appendingPathComponent("second.sqlite").path
        let created = try TokenStore.create(path: path, vault: fixture.vault, entry: nil)
        await created.close()
        for concurrentReads in [false, true] {
            let store = try TokenStore.open(path: path, vault: fixture.vault, concurrentReads: concurrentReads)
            let (mode, synchronous) = try await store.db.writeWithoutTransaction { db in
                (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA synchronous"))
            }
            #expect(mode == "wal" && synchronous == 2)  // 2: FULL
            try store.write { db in try db.execute(sql: "UPDATE policy SET value = value") }
            #expect(try FileManager.default.attributesOfItem(atPath: path + "-wal")[.posixPermissions] as? Int == 0o600)
            await store.close()
            let log = try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int
            #expect((log ?? 0) == 0, "concurrent reads: \(concurrentReads)")
        }
    }

    /// Pieces that share one commit: a piece that throws is undone alone (its own write, nothing of
    /// the others), gets its error, and the others commit.
    @Test func aPieceThatThrowsIsUndoneAloneInItsGroup() async throws {
        struct Refused: Error {}
        let fixture = try await ServiceFixture(.sqlite)
        let store = fixture.sqlite
        let outcomes = try await withThrowingTaskGroup(of: (Int, Bool).self) { group in
            for piece in 0..<60 {
                group.addTask {
                    do {
                        try await store.groupCommit.submit { db in
                            try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, x'00')", arguments: ["piece\(piece)"])
                            if piece % 3 == 0 { throw Refused() }
                        }
                        return (piece, true)
                    } catch is Refused {
                        return (piece, false)
                    }
                }
            }
            return try await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes.count == 60 && outcomes.allSatisfy { $0.value == ($0.key % 3 != 0) })
        let stored = try store.read { db in try String.fetchAll(db, sql: "SELECT key FROM meta WHERE key LIKE 'piece%'") }
        #expect(Set(stored) == Set((0..<60).filter { $0 % 3 != 0 }.map { "piece\($0)" }))
    }

    /// An import into an empty store drops the secondary indexes and builds them after the rows:
    /// afterwards (committed or rolled back) the same indexes exist, and they hold every row.
    @Test func importIntoAnEmptyStoreBuildsItsIndexesAgain() async throws {
        func indexes(_ fixture: ServiceFixture) throws -> [Row] {
            try fixture.sqlite.read { db in
                try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name")
            }
        }
        let rows = (0..<ImportWriter.batchRows + 5).map { ("User\($0 % 300)@contoso.com", "I\($0)", ServiceFixture.secret()) }
        for atomic in [false, true] {
            let fixture = try await ServiceFixture(.sqlite)
            let before = try indexes(fixture)
            #expect(before.map { $0["name"] as String }.contains("audit_upn"))
            let text = ServiceFixture.file(rows) + (atomic ? "x@contoso.com,X1,NOTBASE32!,30,Contoso,Key\n" : "")
            let (result, _) = try await fixture.importText(text, atomic: atomic)
            #expect(result.committed == !atomic)
            #expect(try indexes(fixture) == before)
            try fixture.sqlite.read { db in
                #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
                let userRows = try Int.fetchOne(db, sql: "SELECT count(*) FROM token INDEXED BY token_user WHERE user_key = 'user7@contoso.com'")
                let auditRows = try Int.fetchOne(db, sql: "SELECT count(*) FROM audit INDEXED BY audit_upn WHERE upn = 'USER7@contoso.com' COLLATE NOCASE")
                #expect(userRows == (atomic ? 0 : 4) && auditRows == (atomic ? 0 : 4))
            }
        }
    }

    /// A store made before the status CHECK was rebuilt keeps its rows, ids, indexes and triggers.
    @Test func statusCheckRebuildKeepsAnOlderStoreIntact() throws {
        let queue = try DatabaseQueue()
        try Schema.migrator.migrate(queue, upTo: "v2-policy")
        try queue.write { db in
            try db.execute(sql: """
                INSERT INTO token(id, serial, sealed_secret, interval, hash, digits, manufacturer, model, upn, user_key, status, drift, created_at, updated_at)
                VALUES (7, 'S7', x'01', 60, 'sha256', 8, 'C', 'M', 'Ivan@contoso.com', 'ivan@contoso.com', 'activated', -2, 1, 2)
                """)
            for name in ["a", "b", "c", "d"] {
                try db.execute(sql: "INSERT INTO app(upn, user_key, name, created_at) VALUES ('ivan@contoso.com', 'ivan@contoso.com', ?, 0)", arguments: [name])
            }
        }
        try Schema.migrator.migrate(queue)
        try queue.write { db in
            let row = try Row.fetchOne(db, sql: "SELECT id, serial, status, drift, digits FROM token")!
            #expect(row["id"] as Int64 == 7 && row["serial"] as String == "S7" && row["status"] as String == "activated")
            #expect(row["drift"] as Int == -2 && row["digits"] as Int == 8)
            let names = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE tbl_name IN ('token', 'app') AND type IN ('index', 'trigger') ORDER BY name")
            #expect(names == ["app_limit_insert", "app_user", "generation_app_delete", "generation_app_insert", "generation_token_delete",
                              "generation_token_owner", "sqlite_autoindex_app_1", "sqlite_autoindex_token_1",
                              "token_limit_assign", "token_limit_insert", "token_secret_fp", "token_user"])
            #expect(try String.fetchOne(db, sql: "SELECT serial_key FROM token") == "s7")
            // The rebuilt CHECK and the re-created trigger still refuse.
            #expect(throws: (any Error).self) { try db.execute(sql: "UPDATE token SET status = 'lost'") }
            #expect(throws: (any Error).self) {
                try db.execute(sql: "INSERT INTO app(upn, user_key, name, created_at) VALUES ('ivan@contoso.com', 'ivan@contoso.com', 'e', 0)")
            }
        }
    }

    @Test func databaseTriggersHoldTheLimitEvenAgainstRawSQL() async throws {
        let fixture = try await ServiceFixture(.sqlite)
        try await fixture.importText(ServiceFixture.file((1...5).map { ("ivan@contoso.com", "S\($0)", ServiceFixture.secret()) }))
        #expect(throws: (any Error).self) {
            try fixture.sqlite.write { db in
                try db.execute(sql: """
                    INSERT INTO token(serial, sealed_secret, interval, hash, digits, manufacturer, model, upn, user_key, status, created_at, updated_at)
                    VALUES ('S9', x'00', 30, 'sha1', 6, 'C', 'M', 'ivan@contoso.com', 'ivan@contoso.com', 'assigned', 0, 0)
                    """)
            }
        }
        #expect(throws: (any Error).self) {
            try fixture.sqlite.write { db in try db.execute(sql: "UPDATE token SET interval = 45 WHERE serial = 'S1'") }
        }
        #expect(throws: (any Error).self) {
            try fixture.sqlite.write { db in try db.execute(sql: "INSERT INTO token(serial, sealed_secret, interval, hash, digits, manufacturer, model, status, created_at, updated_at) VALUES ('S1', x'00', 30, 'sha1', 6, 'C', 'M', 'available', 0, 0)") }
        }
    }

    /// No Base32, hex or raw form of any seed may appear in the database file or its journal.
    @Test func noSecretAppearsInTheStoreFiles() async throws {
        let fixture = try await ServiceFixture(.sqlite)
        let seeds = (1...50).map { _ in ServiceFixture.secret() }
        try await fixture.importText(ServiceFixture.file(seeds.enumerated().map { ("u\($0.offset)@contoso.com", "S\($0.offset)", $0.element) }))
        try await fixture.delete(serial: "S0", force: true)
        let files = try FileManager.default.contentsOfDirectory(atPath: fixture.directory.path)
        #expect(files.contains("tokens.sqlite"))
        for file in files where file.hasPrefix("tokens.sqlite") {
            let bytes = Array(try Data(contentsOf: fixture.directory.appendingPathComponent(file)))
            for seed in seeds {
                let raw = try Base32.decode(seed)
                for needle in [Array(seed.utf8), Array(seed.lowercased().utf8), Array(Hex.encode(raw).utf8), raw] {
                    #expect(!contains(bytes, Array(needle.prefix(12))), "a secret form was found in \(file)")
                }
            }
        }
    }


    private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        return Data(haystack).range(of: Data(needle)) != nil
    }
}

@Suite struct DiskFullTests {
    /// A store that runs out of room mid-import (SQLite's max_page_count stands in for a full disk)
    /// reports it and is left exactly as before.
    @Test func fullDiskLeavesTheStoreUnchanged() async throws {
        let fixture = try await ServiceFixture(.sqlite)
        try await fixture.importText(ServiceFixture.file([("a@contoso.com", "KEEP", ServiceFixture.secret())]))
        let pages = try fixture.sqlite.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count")! }
        try fixture.sqlite.write { db in try db.execute(sql: "PRAGMA max_page_count = \(pages + 2)") }
        let rows = (1...2_000).map { ("u\($0)@contoso.com", "S\($0)", ServiceFixture.secret()) }
        await #expect(throws: StoreError.storeFull) { try await fixture.importText(ServiceFixture.file(rows)) }
        #expect(try await fixture.tokens().map(\.serial) == ["KEEP"])
        #expect(try await fixture.batches().count == 1)
        #expect(try fixture.sqlite.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
    }
}
