import Foundation
import OATHCore
import SecretSealing
import Testing
import TokenDomain
import TokenImport
import TokenService
@testable import TokenStorePostgres

/// The PostgreSQL backend's own workings: opening, its errors, the database's guards, what it stores.
@Suite struct PostgresStoreTests {
    @Test(arguments: Backend.postgresOnly) func aWrongKeyAnEmptyDatabaseAndAWrongPasswordAreClearErrors(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        let location = try #require(fixture.postgres)
        await #expect(throws: StoreError.wrongKey) {
            _ = try await PostgresStore.open(location, password: PostgresTestServer.password, vault: Vault(key: .forTesting(Array(repeating: 9, count: 32))))
        }
        let empty = try await PostgresTestServer.makeDatabase()
        await #expect(throws: StoreError.notAStore(path: empty.description,
                                                   reason: "the database holds no oathctl store; make one with 'oathctl init --store \(empty)'")) {
            _ = try await PostgresStore.open(empty, password: PostgresTestServer.password, vault: fixture.vault)
        }
        do {
            _ = try await PostgresStore.open(location, password: "not the password", vault: fixture.vault)
            Issue.record("a wrong password opened the store")
        } catch let StoreError.unreachable(named, reason) {
            #expect(named == location.description && reason.contains("refused the password"))
            #expect(!reason.contains("not the password"))
        }
        await #expect(throws: StoreError.storeExists(path: location.description)) {
            _ = try await PostgresStore.create(location, password: PostgresTestServer.password, vault: fixture.vault, entry: nil)
        }
    }

    /// A port where nothing listens: one clear error, not a pool that waits for ever (the probe
    /// connection has a connect timeout). Not timed here: under the parallel test run, time says
    /// more about the machine than about oathctl.
    @Test func anUnreachableServerIsAnErrorNotAHang() async throws {
        let location = try PostgresLocation(parsing: "postgres://nobody@127.0.0.1:9/none")
        do {
            _ = try await PostgresStore.open(location, password: nil, vault: Vault(key: .forTesting(Array(repeating: 1, count: 32))))
            Issue.record("a store opened where no server listens")
        } catch let StoreError.unreachable(named, _) {
            #expect(named == "postgres://nobody@127.0.0.1:9/none")
        }
    }

    /// A sign-in check whose token another node changes between the check's read and its save:
    /// the compare-and-save undoes itself (no state, no audit row of the first decision), and the
    /// check decides again on the new facts.
    @Test(arguments: Backend.postgresOnly) func aSignInCheckRacedByAnotherNodeDecidesAgain(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        let location = try #require(fixture.postgres)
        try await fixture.importText(ServiceFixture.file([("ivan@contoso.com", "R1", ServiceFixture.secret())]))
        try await PostgresTestServer.query(location, "UPDATE token SET status = 'activated' WHERE serial_key = 'r1'")
        let store = try #require(fixture.repository as? PostgresStore)
        var calls = 0
        let seen = try await store.perform(TransactionReads(at: 100, userKey: "ivan@contoso.com", activatedTokens: true)) { facts in
            calls += 1
            let record = try #require(facts.activatedTokens.first)
            if calls == 1 { try Self.psql(location, "UPDATE token SET failed_attempts = 7 WHERE serial_key = 'r1'") }
            var state = record.check
            state.failedAttempts += 1
            let entry = AuditEntry(at: 100, actor: "test", action: "test.race", serial: "R1", upn: "ivan@contoso.com",
                                   detail: "saw \(record.token.failedAttempts)", requestId: nil)
            return Decision(changes: [.saveCheck(serial: "R1", state)], audit: [entry], result: record.token.failedAttempts)
        }
        #expect(calls == 2 && seen == 7)
        #expect(try await fixture.token(serial: "R1").failedAttempts == 8)
        #expect(try await fixture.auditTrail(serial: "R1").filter { $0.action == "test.race" }.map(\.detail) == ["saw 7"])
    }

    /// Concurrent checks share statements (`StatementBatcher`), two of them often for one user in
    /// one batch: each check still applies exactly once over the state it read, and its audit entry
    /// (NULLs and all) commits with it.
    @Test(arguments: Backend.postgresOnly) func concurrentChecksSharingStatementsStayExact(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        let location = try #require(fixture.postgres)
        let users = 30
        try await fixture.importText(ServiceFixture.file((1...users).map { ("u\($0)@contoso.com", "B\($0)", ServiceFixture.secret()) }))
        try await PostgresTestServer.query(location, "UPDATE token SET status = 'activated'")
        let store = try #require(fixture.repository as? PostgresStore)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for check in 0..<(2 * users) {
                let user = check % users + 1
                group.addTask {
                    _ = try await store.perform(TransactionReads(at: 100, userKey: "u\(user)@contoso.com", activatedTokens: true)) { facts in
                        let record = try #require(facts.activatedTokens.first)
                        var state = record.check
                        state.failedAttempts += 1
                        state.firstFailureAt = state.firstFailureAt ?? 100
                        state.lockedUntil = state.failedAttempts == 2 ? 400 : nil
                        let entry = AuditEntry(at: 100, actor: "test", action: "test.batch", serial: "B\(user)", upn: "u\(user)@contoso.com",
                                               detail: "saw \(record.token.failedAttempts)", requestId: check < users ? "r\(check)" : nil)
                        return Decision(changes: [.saveCheck(serial: "B\(user)", state)], audit: [entry], result: ())
                    }
                }
            }
            try await group.waitForAll()
        }
        for user in 1...users {
            let token = try await fixture.token(serial: "B\(user)")
            #expect(token.failedAttempts == 2 && token.lockedUntil == 400)
            let entries = try await fixture.auditTrail(serial: "B\(user)").filter { $0.action == "test.batch" }
            #expect(entries.map(\.detail).sorted() == ["saw 0", "saw 1"])
            #expect(entries.allSatisfy { $0.upn == "u\(user)@contoso.com" && $0.serial == "B\(user)" })
            #expect(entries.compactMap(\.requestId).count == 1)
        }
    }

    /// One statement through psql, synchronously (another node's write inside a `decide`).
    private static func psql(_ location: PostgresLocation, _ sql: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        process.arguments = ["-h", location.host, "-p", String(location.port), "-U", location.user, "-d", location.database, "-v", "ON_ERROR_STOP=1", "-qc", sql]
        process.environment = ["PGPASSWORD": PostgresTestServer.password ?? ""]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    /// The rules hold in the database too: a sixth method, an interval of 45 s and a second token
    /// with one serial (in any case) are refused even from raw SQL.
    @Test(arguments: Backend.postgresOnly) func theDatabaseGuardsTheRulesAgainstRawSQL(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        let location = try #require(fixture.postgres)
        try await fixture.importText(ServiceFixture.file((1...5).map { ("ivan@contoso.com", "S\($0)", ServiceFixture.secret()) }))
        let insert = """
            INSERT INTO token(serial, serial_key, sealed_secret, interval, hash, digits, manufacturer, model, upn, user_key, status, created_at, updated_at)
            VALUES ('S9', 's9', '\\\\x00', 30, 'sha1', 6, 'C', 'M', 'ivan@contoso.com', 'ivan@contoso.com', 'assigned', 0, 0)
            """
        await #expect(throws: (any Error).self) { try await PostgresTestServer.query(location, insert) }
        await #expect(throws: (any Error).self) {
            try await PostgresTestServer.query(location, "INSERT INTO app(upn, user_key, name, created_at) VALUES ('ivan@contoso.com', 'ivan@contoso.com', 'x', 0)")
        }
        await #expect(throws: (any Error).self) { try await PostgresTestServer.query(location, "UPDATE token SET interval = 45 WHERE serial = 'S1'") }
        await #expect(throws: (any Error).self) {
            try await PostgresTestServer.query(location, insert.replacingOccurrences(of: "'S9', 's9'", with: "'s1', 's1'").replacingOccurrences(of: "'ivan@contoso.com'", with: "NULL").replacingOccurrences(of: "'assigned'", with: "'available'"))
        }
        // A NUL character (which PostgreSQL cannot keep in text) is bad input, not a store failure.
        await #expect(throws: StoreError.unstorableText) { _ = try await fixture.service.token(serial: "S\u{0}1") }
        // An application's sign-in check with one gets the wrong-code answer: nothing tells of users.
        #expect(try await fixture.service.verifySignIn(upn: "a\u{0}@contoso.com", code: "123456", context: fixture.context)
            == SignInOutcome(accepted: false, reason: .wrongCode))
        #expect(try await PostgresTestServer.query(location, "SELECT version::text FROM schema_migration ORDER BY version")
            == (1...PostgresSchema.migrations.count).map { [String($0)] })
    }

    /// No Base32, hex or raw form of a seed in any row of any table.
    @Test(arguments: Backend.postgresOnly) func noSecretAppearsInTheDatabase(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        let location = try #require(fixture.postgres)
        let seeds = (1...20).map { _ in ServiceFixture.secret() }
        try await fixture.importText(ServiceFixture.file(seeds.enumerated().map { ("u\($0.offset)@contoso.com", "S\($0.offset)", $0.element) }))
        var text = ""
        for table in ["token", "audit", "batch", "meta", "app", "policy"] {
            text += try await PostgresTestServer.query(location, "SELECT t::text FROM \(table) t").flatMap { $0 }.compactMap { $0 }.joined(separator: "\n")
        }
        #expect(text.contains("S19"))
        for seed in seeds {
            let raw = try Base32.decode(seed)
            for needle in [seed, seed.lowercased(), Hex.encode(raw)] { #expect(!text.contains(needle.prefix(12))) }
        }
    }

    @Test func storeURLsAreParsedAndNeverHoldAPassword() throws {
        let location = try PostgresLocation(parsing: "postgres://oathctl@db.example:6543/tokens?sslmode=verify-full&sslrootcert=/etc/ca.pem")
        #expect(location.user == "oathctl" && location.host == "db.example" && location.port == 6543 && location.database == "tokens")
        #expect(location.tls == .verifyFull && location.caFile == "/etc/ca.pem")
        #expect(location.description == "postgres://oathctl@db.example:6543/tokens")
        #expect(try PostgresLocation(parsing: "postgresql://u@h/d").port == 5432)
        #expect(throws: PostgresLocation.ParseError.self) { try PostgresLocation(parsing: "postgres://u:hunter2@h/d") }
        do { _ = try PostgresLocation(parsing: "postgres://u:hunter2@h/d") } catch { #expect(!error.description.contains("hunter2")) }
        for bad in ["postgres://h/d", "postgres://u@h", "postgres://u@h/d?sslmode=maybe", "postgres://u@h/d?password=x", "mysql://u@h/d"] {
            #expect(throws: PostgresLocation.ParseError.self, "\(bad)") { try PostgresLocation(parsing: bad) }
        }
    }

    @Test func passwordsComeFromAFileTheEnvironmentOrPgpass() throws {
        let location = try PostgresLocation(parsing: "postgres://oathctl@db.example:5432/tokens")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("oathctl-pgpass-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("pw").path
        try Data("from-file\nsecond line\n".utf8).write(to: URL(fileURLWithPath: file))
        #expect(try PostgresPassword.find(for: location, file: file, environment: ["PGPASSWORD": "env"]) == "from-file")
        #expect(try PostgresPassword.find(for: location, file: nil, environment: ["PGPASSWORD": "env"]) == "env")
        let pgpass = folder.appendingPathComponent("pgpass").path
        try Data("other:*:*:*:no\ndb.example:5432:tokens:oathctl:pa\\:ss\n".utf8).write(to: URL(fileURLWithPath: pgpass))
        chmod(pgpass, 0o644)
        #expect(throws: PostgresPassword.Problem.self) { try PostgresPassword.find(for: location, file: nil, environment: ["PGPASSFILE": pgpass]) }
        chmod(pgpass, 0o600)
        #expect(try PostgresPassword.find(for: location, file: nil, environment: ["PGPASSFILE": pgpass]) == "pa:ss")
        #expect(try PostgresPassword.find(for: location, file: nil, environment: ["HOME": folder.path]) == nil)
    }
}
