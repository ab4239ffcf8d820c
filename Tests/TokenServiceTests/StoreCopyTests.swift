import Foundation
import OATHCore
import SecretSealing
import Testing
import TokenImport
import TokenService
import TokenStorePostgres
@testable import TokenStore
import TokenDomain

/// `store copy`: SQLite -> PostgreSQL -> SQLite gives the same tokens, the same codes and the same
/// audit trail (plus one `store.copy` entry per copy), seeds never unsealed on the way.
@Suite struct StoreCopyTests {
    static let seed = Array("12345678901234567890".utf8)

    @Test(arguments: Backend.postgresOnly) func aStoreRoundTripsThroughPostgreSQL(backend: Backend) async throws {
        let source = try await ServiceFixture(.sqlite)
        let key = HMACKey(secret: Secret(bytes: Self.seed))
        func code(_ time: Int64) -> String { OTP.format(OTP.totp(key: key, at: UInt64(time), step: 30), digits: 6) }
        try await source.importText(ServiceFixture.file([("helga@contoso.com", "C1", Base32.encode(Self.seed)),
                                                         ("", "C2", ServiceFixture.secret())]))
        #expect(try await source.activate(serial: "C1", code: code(source.clock)).accepted)
        _ = try await source.verify(serial: "C1", code: "000000")
        try await source.addApp(upn: "helga@contoso.com", name: "phone")
        try await source.setPolicy(.lockoutThreshold, to: 7)
        try await source.service.addOperator(name: "alice", role: .admin, credential: .password(Array("a long enough password".utf8)),
                                             context: source.context)

        let middle = try await PostgresTestServer.makeDatabase()
        let postgres = try await PostgresStore.create(middle, password: PostgresTestServer.password, vault: source.vault, entry: nil)
        let first = try await StoreCopy.copy(from: source.repository, to: postgres, context: source.context, at: source.clock)
        #expect(first == StoreCopy.Report(tokens: 2, apps: 1, batches: 1, auditEntries: try await source.auditTrail().count + 1))
        let back = source.directory.appendingPathComponent("back.sqlite").path
        let copy = try TokenStore.create(path: back, vault: source.vault, entry: nil)
        _ = try await StoreCopy.copy(from: postgres, to: copy, context: source.context, at: source.clock)

        for store in [postgres, copy] as [any TokenRepository] {
            #expect(try await store.tokens(matching: TokenFilter()) == source.tokens())
            #expect(try await store.apps(userKey: nil) == source.service.apps())
            #expect(try await store.batches() == source.batches())
            #expect(try await store.report(batch: 1) == source.repository.report(batch: 1))
            #expect(try await store.policy() == source.service.policy())
            #expect(try await store.operatorRecord(named: "alice") == source.repository.operatorRecord(named: "alice"))
        }
        let original = try await source.auditTrail()
        let copied = try await copy.auditTrail(AuditQuery())
        #expect(Array(copied.prefix(original.count)) == original)
        #expect(copied.dropFirst(original.count).map(\.action) == ["store.copy", "store.copy"])
        // The seeds came through sealed and still give their codes: the next code is accepted there.
        let service = TokenService(repository: copy, vault: source.vault, clock: { [clock = source.clock] in clock + 60 })
        #expect(try await service.verify(serial: "C1", code: code(source.clock + 60), context: source.context).accepted)
        await postgres.close()
    }

    @Test(arguments: Backend.all) func aCopyGoesOnlyIntoAStoreThatHoldsNothing(backend: Backend) async throws {
        let source = try await ServiceFixture(.sqlite)
        let target = try await ServiceFixture(backend)
        await #expect(throws: StoreError.notEmpty(location: target.repository.location)) {
            _ = try await StoreCopy.copy(from: source.repository, to: target.repository, context: source.context, at: 0)
        }
    }
}
