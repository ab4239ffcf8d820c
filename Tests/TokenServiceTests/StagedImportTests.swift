import Foundation
import GRDB
import OATHCore
import SecretSealing
import Testing
import TokenImport
@testable import TokenService
@testable import TokenStore
import TokenDomain

/// A server's SQLite imports are staged (`StagedImport`): the same outcome as the one-transaction
/// import, a batch nobody sees until it is published, sign-in checks that go on meanwhile, a race
/// that stores nothing, and a killed importer's rows removed by the next open.
@Suite struct StagedImportTests {
    /// The fixture's store opened as `serve` opens it (a pool: staged imports), behind a service.
    struct Served {
        let store: TokenStore
        let service: TokenService

        init(_ fixture: ServiceFixture) throws {
            store = try TokenStore.open(path: fixture.path, vault: fixture.vault, concurrentReads: true)
            let clock = fixture.testClock
            // The server's lanes: the paused import holds a place of the bulk lane, a find takes the other.
            service = TokenService(repository: store, vault: fixture.vault, clock: { clock.now }, passwordIterations: 1_000, lanes: .server())
        }
    }

    /// 2,500 new tokens (five pieces) for 500 users, two stock tokens assigned, one unchanged row, and bad rows.
    static func file(stock: [(String, String)]) -> String {
        var rows = (0..<2_500).map { ("user\($0 / 5)@contoso.com", "N\($0)", Base32.encode(Self.seed($0))) }
        rows.insert(("stock@contoso.com", stock[0].0, stock[0].1), at: 700)
        rows.insert(("stock@contoso.com", stock[1].0, stock[1].1), at: 1_900)
        rows.insert(("", stock[2].0, stock[2].1), at: 1_000)
        rows.insert(("bad user", "X1", ServiceFixture.secret()), at: 1_500)
        rows.append(("user1@contoso.com", "X2", ServiceFixture.secret()))  // a sixth method: refused
        return ServiceFixture.file(rows)
    }

    /// A distinct seed per `n` (its first four bytes are `n + 1` times an odd number, modulo 2^32).
    static func seed(_ n: Int) -> [UInt8] {
        let mixed = UInt32(truncatingIfNeeded: (n + 1) &* 2_654_435_761)
        return (0..<20).map { UInt8(truncatingIfNeeded: mixed >> (UInt32($0 % 4) * 8)) ^ UInt8($0) }
    }

    /// The importing request's own context: its entries are told apart from the test's by request id, as on a server.
    static let importer = OperationContext(actor: "importer", requestId: "import-request")

    /// The store's visible state, comparable between two stores.
    static func state(_ service: TokenService) async throws -> [String] {
        let tokens = try await service.tokens(matching: TokenFilter()).map { "\($0.serial) \($0.upn ?? "-") \($0.status.rawValue)" }
        let batches = try await service.batches().map { "\($0.rowsRead) \($0.accepted) \($0.rejected) \($0.added) \($0.unchanged) \($0.assigned)" }
        // Sorted: the two imports write the same entries, assignments in another order among the additions.
        let audit = try await service.auditTrail(AuditQuery()).map { "\($0.action) \($0.serial ?? "-") \($0.upn ?? "-") \($0.detail)" }.sorted()
        return tokens + ["--"] + batches + ["--"] + audit
    }

    @Test func aStagedImportStoresExactlyWhatTheOneTransactionImportDoes() async throws {
        let stock = (0..<3).map { ("S\($0)", ServiceFixture.secret()) }
        let stockFile = ServiceFixture.file(stock.map { ("", $0.0, $0.1) })
        let text = Self.file(stock: stock)
        let classic = try await ServiceFixture(.sqlite), staged = try await ServiceFixture(.sqlite)
        try await classic.importText(stockFile)
        try await staged.importText(stockFile)
        let (one, oneFindings) = try await classic.importText(text)
        let served = try Served(staged)
        #expect(served.store.stagesImports && !classic.sqlite.stagesImports)
        let (other, otherFindings) = try await staged.importText(text, service: served.service)
        #expect(one.committed && other.committed)
        #expect("\(one.added) \(one.assigned) \(one.unchanged)" == "2500 2 1")
        #expect("\(other.added) \(other.assigned) \(other.unchanged)" == "2500 2 1")
        #expect(one.summary == other.summary)
        #expect(oneFindings.map(\.code) == otherFindings.map(\.code))
        #expect(try await Self.state(classic.service) == Self.state(served.service))
        #expect(try await classic.service.report(batch: 2) == served.service.report(batch: 2))
        // Nothing pending is left, and no lock file.
        #expect(try served.store.read { db in try PendingBatches.load(db) }.entries.isEmpty)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: staged.directory.path).filter { $0.hasSuffix(".lock") }
        #expect(leftovers.isEmpty)
    }

    @Test func anAtomicStagedImportWithARejectedRowLeavesNothing() async throws {
        let fixture = try await ServiceFixture(.sqlite)
        let served = try Served(fixture)
        let before = try await Self.state(served.service)
        let stock = (0..<3).map { ("S\($0)", ServiceFixture.secret()) }
        let (result, _) = try await fixture.importText(Self.file(stock: stock), atomic: true, service: served.service)
        #expect(!result.committed && result.batch == nil)
        #expect(try await Self.state(served.service) == before)
        #expect(try served.store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM token") } == 0)
    }

    /// Paused inside the file, after its first piece was stored: nobody sees the batch, and a sign-in
    /// check (which writes) is answered at once, so the import does not hold the writer.
    @Test func whileAFileIsStagedItIsInvisibleAndSignInChecksGoOn() async throws {
        let fixture = try await ServiceFixture(.sqlite)
        let seed = Array("12345678901234567890".utf8)
        try await fixture.importText(ServiceFixture.file([("helga@contoso.com", "H1", Base32.encode(seed))]))
        let code = { (time: Int64) in OTP.format(OTP.totp(key: HMACKey(secret: Secret(bytes: seed)), at: UInt64(time), step: 30), digits: 6) }
        _ = try await fixture.activate(serial: "H1", code: code(fixture.clock))
        fixture.clock += 60
        let served = try Served(fixture)
        let before = try await Self.state(served.service)
        let gate = PauseAtFinding()
        let file = fixture.directory.appendingPathComponent("big.csv")
        var rows = (0..<1_500).map { ("user\($0)@contoso.com", "N\($0)", Base32.encode(Self.seed($0))) }
        rows.insert(("not a user", "X1", ServiceFixture.secret()), at: 1_200)  // its finding pauses the import
        try Data(ServiceFixture.file(rows).utf8).write(to: file)
        let importing = Task {
            try await served.service.importTokens(.csv(path: file.path), options: .init(fileName: "big.csv", sha256: "x", atomic: false, report: nil),
                                                  handlers: .init { _ in gate.pause() }, context: Self.importer)
        }
        try await gate.waitUntilPaused()
        // The first two pieces (1,024 tokens and their audit entries) are stored, and hidden.
        #expect(try served.store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM token") } == 1 + 1_024)
        #expect(try await Self.state(served.service) == before)
        #expect(try await served.service.find(code: "123456", context: fixture.context).isEmpty)
        await #expect(throws: StoreError.tokenNotFound(serial: "N5")) {
            try await served.service.assign(serial: "N5", to: "someone@contoso.com", context: fixture.context)
        }
        let check = try await served.service.verifySignIn(upn: "helga@contoso.com", code: code(fixture.clock), context: fixture.context)
        #expect(check.accepted)
        gate.resume()
        let result = try await importing.value
        #expect(result.committed && result.added == 1_500)
        #expect(try await served.service.tokens(matching: TokenFilter()).count == 1 + 1_500)
    }

    /// An assignment while the file is staged moves the store's generation: the import refuses to
    /// publish, stores nothing, and the assignment stands.
    @Test func aChangeOfOwnerWhileStagedStoresNothing() async throws {
        let fixture = try await ServiceFixture(.sqlite)
        try await fixture.importText(ServiceFixture.file([("", "F1", ServiceFixture.secret())]))
        let served = try Served(fixture)
        let before = try served.store.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM audit") }
        let gate = PauseAtFinding()
        let file = fixture.directory.appendingPathComponent("race.csv")
        var rows = (0..<1_100).map { ("user\($0)@contoso.com", "N\($0)", Base32.encode(Self.seed($0))) }
        rows.insert(("not a user", "X1", ServiceFixture.secret()), at: 1_050)
        try Data(ServiceFixture.file(rows).utf8).write(to: file)
        let importing = Task {
            try await served.service.importTokens(.csv(path: file.path), options: .init(fileName: "race.csv", sha256: "x", atomic: false, report: nil),
                                                  handlers: .init { _ in gate.pause() }, context: Self.importer)
        }
        try await gate.waitUntilPaused()
        try await served.service.assign(serial: "F1", to: "ivan@contoso.com", context: fixture.context)
        gate.resume()
        await #expect(throws: StoreError.importRaced) { try await importing.value }
        let tokens = try await served.service.tokens(matching: TokenFilter())
        #expect(tokens.map(\.serial) == ["F1"] && tokens[0].upn == "ivan@contoso.com")
        // The batch, its tokens and audit entries are gone; the assignment's entry stays.
        let (count, audit, pending) = try served.store.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM batch"), try Int.fetchOne(db, sql: "SELECT count(*) FROM audit"),
             try Int.fetchOne(db, sql: "SELECT count(*) FROM pending_batch"))
        }
        #expect(count == 1)
        #expect(audit == before.map { $0 + 1 })
        #expect(pending == 0)
    }

    /// An importer that died left a pending batch whose lock nobody holds: the next open removes it.
    @Test func aKilledImportersRowsAreRemovedOnTheNextOpen() async throws {
        let fixture = try await ServiceFixture(.sqlite)
        try await fixture.importText(ServiceFixture.file([("", "F1", ServiceFixture.secret())]))
        let before = try await Self.state(fixture.service)
        // What a staged import killed after its first piece leaves behind (its lock file released by the kernel).
        let lock = try ImportLock(store: fixture.path)
        try fixture.sqlite.write { db in
            try db.execute(sql: """
                INSERT INTO batch(id, file_name, sha256, rows_read, accepted, rejected, added, unchanged, assigned, atomic, created_at, actor)
                VALUES (9, 'dead.csv', 'x', 0, 0, 0, 0, 0, 0, 0, 0, 'tester')
                """)
            try db.execute(sql: "INSERT INTO pending_batch VALUES (9, 'dead-request', (SELECT max(id) FROM token), (SELECT max(id) FROM audit), ?)",
                           arguments: [lock.name])
            for n in 0..<5_000 {
                try db.execute(sql: """
                    INSERT INTO token(serial, serial_key, sealed_secret, secret_fp, interval, hash, digits, manufacturer, model, status, batch_id, created_at, updated_at)
                    VALUES (?, lower(?), x'00', x'00', 30, 'sha1', 6, 'Contoso', 'Key', 'available', 9, 0, 0)
                    """, arguments: ["D\(n)", "D\(n)"])
                try db.execute(sql: "INSERT INTO audit(at, actor, action, serial, detail, request_id) VALUES (0, 'tester', 'token.add', ?, '', 'dead-request')",
                               arguments: ["D\(n)"])
            }
        }
        // Its importer is alive (the lock is held): another open leaves the batch alone.
        _ = try TokenStore.open(path: fixture.path, vault: fixture.vault)
        #expect(try fixture.sqlite.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM token") } == 5_001)
        // Hidden meanwhile.
        #expect(try await Self.state(fixture.service) == before)
        lock.release()
        _ = try TokenStore.open(path: fixture.path, vault: fixture.vault)
        let counts = try fixture.sqlite.read { db in
            [try Int.fetchOne(db, sql: "SELECT count(*) FROM token"), try Int.fetchOne(db, sql: "SELECT count(*) FROM batch"),
             try Int.fetchOne(db, sql: "SELECT count(*) FROM pending_batch"), try Int.fetchOne(db, sql: "SELECT count(*) FROM audit WHERE request_id = 'dead-request'")]
        }
        #expect(counts == [1, 1, 0, 0])
        #expect(try await Self.state(fixture.service) == before)
    }
}

/// Pauses the import's thread at its first finding until the test resumes it.
final class PauseAtFinding: @unchecked Sendable {
    // @unchecked: `paused` is touched under `lock`; the semaphore is thread-safe.
    private let lock = NSLock()
    private var paused = false
    private let release = DispatchSemaphore(value: 0)

    func pause() {
        let first = lock.withLock { () -> Bool in
            defer { paused = true }
            return !paused
        }
        if first { release.wait() }
    }

    func resume() { release.signal() }

    func waitUntilPaused() async throws {
        for _ in 0..<4_000 where !lock.withLock({ paused }) { try await Task.sleep(for: .milliseconds(5)) }
        try #require(lock.withLock { paused })
    }
}
