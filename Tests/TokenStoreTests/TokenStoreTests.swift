import Foundation
import GRDB
import OATHCore
import Testing
import TokenImport
@testable import TokenStore

@Suite struct TokenStoreTests {
    @Test func wrongKeyIsRefusedOnOpen() throws {
        let fixture = try StoreFixture()
        #expect(throws: StoreError.wrongKey) {
            try TokenStore.open(path: fixture.path, key: .forTesting(Array(repeating: 9, count: 32)), actor: "t", now: { 0 })
        }
        _ = try TokenStore.open(path: fixture.path, key: fixture.key, actor: "t", now: { 0 })
        #expect(throws: StoreError.storeMissing(path: "/nonexistent/x.sqlite")) {
            try TokenStore.open(path: "/nonexistent/x.sqlite", key: fixture.key, actor: "t", now: { 0 })
        }
    }

    @Test func storeFileIsPrivate() throws {
        let fixture = try StoreFixture()
        #expect(try FileManager.default.attributesOfItem(atPath: fixture.path)[.posixPermissions] as? Int == 0o600)
    }

    @Test func importStoresSealedSecretsThatOpenToTheRowsSeed() throws {
        let fixture = try StoreFixture()
        let seed = StoreFixture.secret()
        let (result, findings) = try fixture.importText(StoreFixture.file([("Helga@contoso.com", "S1", seed), ("", "S2", StoreFixture.secret())]))
        #expect(findings.isEmpty)
        #expect(result.added == 2 && result.committed && result.batch == 1)
        let tokens = try fixture.store.tokens()
        #expect(tokens.map(\.serial) == ["S1", "S2"])
        #expect(tokens.map(\.status) == [.assigned, .available])
        #expect(tokens[0].upn == "Helga@contoso.com")
        let sealed = try fixture.store.db.read { db in try Data.fetchOne(db, sql: "SELECT sealed_secret FROM token WHERE serial = 'S1'")! }
        #expect(try fixture.store.box.open(Array(sealed), serial: "S1").bytes == Base32.decode(seed))
    }

    @Test func reimportIsUnchangedAndAConflictingSecretIsRefused() throws {
        let fixture = try StoreFixture()
        let rows = [("a@contoso.com", "S1", StoreFixture.secret()), ("", "S2", StoreFixture.secret())]
        try fixture.importText(StoreFixture.file(rows))
        let (again, findings) = try fixture.importText(StoreFixture.file(rows))
        #expect(findings.isEmpty && again.unchanged == 2 && again.added == 0)
        let (conflict, conflictFindings) = try fixture.importText(StoreFixture.file([("a@contoso.com", "S1", StoreFixture.secret())]))
        #expect(conflictFindings.map(\.code) == [.secretConflict])
        #expect(conflict.summary.rejected == 1)
        let (assigned, _) = try fixture.importText(StoreFixture.file([("b@contoso.com", rows[1].1, rows[1].2)]))
        #expect(assigned.assigned == 1)
        #expect(try fixture.store.token(serial: "S2").upn == "b@contoso.com")
    }

    @Test func fiveMethodsAcrossImportsAppsAndAssignments() throws {
        let fixture = try StoreFixture()
        try fixture.store.addApp(upn: "ivan@contoso.com", name: "phone")
        try fixture.importText(StoreFixture.file((1...3).map { ("ivan@contoso.com", "S\($0)", StoreFixture.secret()) }))
        let (second, findings) = try fixture.importText(StoreFixture.file([("IVAN@contoso.com", "S4", StoreFixture.secret()),
                                                                           ("ivan@contoso.com", "S5", StoreFixture.secret())]))
        #expect(second.added == 1)
        #expect(findings.map(\.code) == [.userTokenLimit])
        try fixture.importText(StoreFixture.file([("", "S6", StoreFixture.secret())]))
        #expect(throws: StoreError.userLimit(upn: "ivan@contoso.com", limit: 5)) { try fixture.store.assign(serial: "S6", to: "ivan@contoso.com") }
        #expect(throws: StoreError.userLimit(upn: "ivan@contoso.com", limit: 5)) { try fixture.store.addApp(upn: "ivan@contoso.com", name: "tablet") }
        try fixture.store.removeApp(upn: "ivan@contoso.com", name: "phone")
        try fixture.store.assign(serial: "S6", to: "ivan@contoso.com")
        #expect(try fixture.store.tokens(matching: .init(user: "Ivan@Contoso.com")).count == 5)
    }

    /// More rows than one writer batch: every token stored once, one `token.add` row each, in file order.
    @Test func importSpanningSeveralWriterBatchesStoresEveryRowOnce() throws {
        let fixture = try StoreFixture()
        let count = ImportWriter.batchRows * 2 + 7
        let rows = (0..<count).map { ("user\($0 % 400)@contoso.com", String(format: "B%05d", $0), StoreFixture.secret()) }
        let (result, findings) = try fixture.importText(StoreFixture.file(rows))
        // 400 users: the first five rows of each are accepted, the sixth (rows 2000 on) refused by the limit.
        let accepted = (0..<count).filter { $0 / 400 < 5 }.count
        #expect(result.added == accepted)
        #expect(findings.count == count - accepted && findings.allSatisfy { $0.code == .userTokenLimit })
        let adds = try fixture.store.auditTrail().filter { $0.action == "token.add" }
        #expect(adds.map(\.serial) == (0..<accepted).map { String(format: "B%05d", $0) })
        #expect(try fixture.store.tokens(matching: .init()).count == accepted)
    }

    /// An import into an empty store drops the secondary indexes and builds them after the rows:
    /// afterwards (committed or rolled back) the same indexes exist, and they hold every row.
    @Test func importIntoAnEmptyStoreBuildsItsIndexesAgain() throws {
        func indexes(_ fixture: StoreFixture) throws -> [Row] {
            try fixture.store.db.read { db in
                try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name")
            }
        }
        let rows = (0..<ImportWriter.batchRows + 5).map { ("User\($0 % 300)@contoso.com", "I\($0)", StoreFixture.secret()) }
        for atomic in [false, true] {
            let fixture = try StoreFixture()
            let before = try indexes(fixture)
            #expect(before.map { $0["name"] as String }.contains("audit_upn"))
            let text = StoreFixture.file(rows) + (atomic ? "x@contoso.com,X1,NOTBASE32!,30,Contoso,Key\n" : "")
            let (result, _) = try fixture.importText(text, atomic: atomic)
            #expect(result.committed == !atomic)
            #expect(try indexes(fixture) == before)
            try fixture.store.db.read { db in
                #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
                let userRows = try Int.fetchOne(db, sql: "SELECT count(*) FROM token INDEXED BY token_user WHERE user_key = 'user7@contoso.com'")
                let auditRows = try Int.fetchOne(db, sql: "SELECT count(*) FROM audit INDEXED BY audit_upn WHERE upn = 'USER7@contoso.com' COLLATE NOCASE")
                #expect(userRows == (atomic ? 0 : 4) && auditRows == (atomic ? 0 : 4))
            }
        }
    }

    /// A block of more tokens than one thread takes at a time: threads share it slice by slice, and
    /// every token is still checked exactly once (the match is found, the candidate count is exact).
    @Test func findSharesABlockBetweenThreadsWithoutLosingATokenOrCountingOneTwice() throws {
        let fixture = try StoreFixture()
        let secrets = (0..<1_300).map { _ in StoreFixture.secret() }
        let rows = secrets.indices.map { ("", String(format: "F%05d", $0), secrets[$0]) }
        try fixture.importText(StoreFixture.file(rows))
        let target = 1_111
        let key = HMACKey(secret: Secret(bytes: try Base32.decode(secrets[target])))
        let code = OTP.format(OTP.totp(key: key, at: UInt64(fixture.clock), step: 30), digits: 6)
        for blockSize in [1_300, 700] {
            let found = try fixture.store.find(code: code, user: nil, blockSize: blockSize)
            #expect(found.contains { $0.serial == String(format: "F%05d", target) && $0.drift == 0 })
        }
        let details = try fixture.store.auditTrail().filter { $0.action == "token.find" }.map(\.detail)
        #expect(details.count == 2 && details.allSatisfy { $0.contains(" of 1300 tokens match") })
    }

    /// Keys of up to 64 bytes are checked sixteen at a time in SIMD lanes, longer ones (Entra allows
    /// 128 Base32 characters, 80 bytes) one at a time: `find` finds a token on either path, at its drift.
    @Test func findChecksShortKeysInLanesAndLongKeysOneAtATime() throws {
        let fixture = try StoreFixture()
        let secrets = (0..<100).map { index in
            Base32.encode((0..<(index % 3 == 0 ? 80 : 20)).map { _ in UInt8.random(in: 0...255) })
        }
        try fixture.importText(StoreFixture.file(secrets.indices.map { ("", "L\($0)", secrets[$0]) }))
        for target in [30, 31, 98, 99] {
            let key = HMACKey(secret: Secret(bytes: try Base32.decode(secrets[target])))
            let code = OTP.format(OTP.hotp(key: key, counter: UInt64(fixture.clock) / 30 - 1), digits: 6)
            let found = try fixture.store.find(code: code)
            #expect(found.contains { $0.serial == "L\(target)" && $0.drift == -1 }, "token \(target)")
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
            #expect(names == ["app_limit_insert", "app_user", "sqlite_autoindex_app_1", "sqlite_autoindex_token_1",
                              "token_limit_assign", "token_limit_insert", "token_secret_fp", "token_user"])
            #expect(try String.fetchOne(db, sql: "SELECT serial_key FROM token") == "s7")
            // The rebuilt CHECK and the re-created trigger still refuse.
            #expect(throws: (any Error).self) { try db.execute(sql: "UPDATE token SET status = 'lost'") }
            #expect(throws: (any Error).self) {
                try db.execute(sql: "INSERT INTO app(upn, user_key, name, created_at) VALUES ('ivan@contoso.com', 'ivan@contoso.com', 'e', 0)")
            }
        }
    }

    @Test func databaseTriggersHoldTheLimitEvenAgainstRawSQL() throws {
        let fixture = try StoreFixture()
        try fixture.importText(StoreFixture.file((1...5).map { ("ivan@contoso.com", "S\($0)", StoreFixture.secret()) }))
        #expect(throws: (any Error).self) {
            try fixture.store.db.write { db in
                try db.execute(sql: """
                    INSERT INTO token(serial, sealed_secret, interval, hash, digits, manufacturer, model, upn, user_key, status, created_at, updated_at)
                    VALUES ('S9', x'00', 30, 'sha1', 6, 'C', 'M', 'ivan@contoso.com', 'ivan@contoso.com', 'assigned', 0, 0)
                    """)
            }
        }
        #expect(throws: (any Error).self) {
            try fixture.store.db.write { db in try db.execute(sql: "UPDATE token SET interval = 45 WHERE serial = 'S1'") }
        }
        #expect(throws: (any Error).self) {
            try fixture.store.db.write { db in try db.execute(sql: "INSERT INTO token(serial, sealed_secret, interval, hash, digits, manufacturer, model, status, created_at, updated_at) VALUES ('S1', x'00', 30, 'sha1', 6, 'C', 'M', 'available', 0, 0)") }
        }
    }

    @Test func atomicImportStoresNothingWhenARowIsRejected() throws {
        let fixture = try StoreFixture()
        let text = StoreFixture.file([("a@contoso.com", "S1", StoreFixture.secret())]) + "b@contoso.com,S2,NOTBASE32!,30,Contoso,Key\n"
        let (result, _) = try fixture.importText(text, atomic: true)
        #expect(!result.committed && result.batch == nil)
        #expect(try fixture.store.tokens().isEmpty)
        #expect(try fixture.store.batches().isEmpty)
        let (plain, _) = try fixture.importText(text)
        #expect(plain.committed && plain.added == 1)
    }

    @Test func assignmentRulesAndAudit() throws {
        let fixture = try StoreFixture()
        try fixture.importText(StoreFixture.file([("a@contoso.com", "S1", StoreFixture.secret()), ("", "S2", StoreFixture.secret())]))
        #expect(throws: StoreError.assignedToOther(serial: "S1", upn: "a@contoso.com")) { try fixture.store.assign(serial: "S1", to: "b@contoso.com") }
        #expect(throws: StoreError.stillAssigned(serial: "S1", upn: "a@contoso.com")) { try fixture.store.delete(serial: "S1", force: false) }
        #expect(throws: StoreError.notAssigned(serial: "S2")) { try fixture.store.unassign(serial: "S2") }
        #expect(throws: StoreError.tokenNotFound(serial: "S9")) { try fixture.store.assign(serial: "S9", to: "b@contoso.com") }
        try fixture.store.unassign(serial: "S1")
        #expect(try fixture.store.token(serial: "S1").status == .available)
        try fixture.store.assign(serial: "S1", to: "b@contoso.com")
        try fixture.store.delete(serial: "S1", force: true)
        let actions = try fixture.store.auditTrail(serial: "S1").map(\.action)
        #expect(actions == ["token.add", "token.unassign", "token.assign", "token.delete"])
        #expect(try fixture.store.auditTrail(user: "B@CONTOSO.COM").map(\.action) == ["token.assign", "token.delete"])
        #expect(try fixture.store.auditTrail().allSatisfy { $0.actor == "tester" })
    }

    /// No Base32, hex or raw form of any seed may appear in the database file or its journal.
    @Test func noSecretAppearsInTheStoreFiles() throws {
        let fixture = try StoreFixture()
        let seeds = (1...50).map { _ in StoreFixture.secret() }
        try fixture.importText(StoreFixture.file(seeds.enumerated().map { ("u\($0.offset)@contoso.com", "S\($0.offset)", $0.element) }))
        try fixture.store.delete(serial: "S0", force: true)
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
    @Test func fullDiskLeavesTheStoreUnchanged() throws {
        let fixture = try StoreFixture()
        try fixture.importText(StoreFixture.file([("a@contoso.com", "KEEP", StoreFixture.secret())]))
        let pages = try fixture.store.db.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count")! }
        try fixture.store.db.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA max_page_count = \(pages + 2)") }
        let rows = (1...2_000).map { ("u\($0)@contoso.com", "S\($0)", StoreFixture.secret()) }
        #expect(throws: StoreError.self) { try fixture.importText(StoreFixture.file(rows)) }
        #expect(try fixture.store.tokens().map(\.serial) == ["KEEP"])
        #expect(try fixture.store.batches().count == 1)
        #expect(try fixture.store.db.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
    }
}
