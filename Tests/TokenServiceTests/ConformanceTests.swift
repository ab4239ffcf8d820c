import Foundation
import GRDB
import OATHCore
import Testing
import TokenImport
@testable import TokenStore
import TokenService
import SecretSealing
import TokenDomain

/// The store, import, activation and lockout behaviour every backend must give alike: each test
/// runs on SQLite and, when the throwaway cluster runs, on PostgreSQL.
@Suite struct ConformanceTests {
    @Test(arguments: Backend.all) func importStoresSealedSecretsThatOpenToTheRowsSeed(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        let seed = ServiceFixture.secret()
        let (result, findings) = try await fixture.importText(ServiceFixture.file([("Helga@contoso.com", "S1", seed), ("", "S2", ServiceFixture.secret())]))
        #expect(findings.isEmpty)
        #expect(result.added == 2 && result.committed && result.batch == 1)
        let tokens = try await fixture.tokens()
        #expect(tokens.map(\.serial) == ["S1", "S2"])
        #expect(tokens.map(\.status) == [.assigned, .available])
        #expect(tokens[0].upn == "Helga@contoso.com")
        var sealed: [String: [UInt8]] = [:]
        try await fixture.repository.forEachSealedToken { sealed[$0.token.serial] = $0.sealed }
        #expect(try fixture.vault.box.open(sealed["S1"]!, serial: "S1").bytes == Base32.decode(seed))
        #expect(throws: SecretBox.OpenError.authenticationFailed) { try fixture.vault.box.open(sealed["S1"]!, serial: "S2") }
    }

    @Test(arguments: Backend.all) func reimportIsUnchangedAndAConflictingSecretIsRefused(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        let rows = [("a@contoso.com", "S1", ServiceFixture.secret()), ("", "S2", ServiceFixture.secret())]
        try await fixture.importText(ServiceFixture.file(rows))
        let (again, findings) = try await fixture.importText(ServiceFixture.file(rows))
        #expect(findings.isEmpty && again.unchanged == 2 && again.added == 0)
        let (conflict, conflictFindings) = try await fixture.importText(ServiceFixture.file([("a@contoso.com", "S1", ServiceFixture.secret())]))
        #expect(conflictFindings.map(\.code) == [.secretConflict])
        #expect(conflict.summary.rejected == 1)
        let (assigned, _) = try await fixture.importText(ServiceFixture.file([("b@contoso.com", rows[1].1, rows[1].2)]))
        #expect(assigned.assigned == 1)
        #expect(try await fixture.token(serial: "S2").upn == "b@contoso.com")
    }

    @Test(arguments: Backend.all) func fiveMethodsAcrossImportsAppsAndAssignments(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        try await fixture.addApp(upn: "ivan@contoso.com", name: "phone")
        try await fixture.importText(ServiceFixture.file((1...3).map { ("ivan@contoso.com", "S\($0)", ServiceFixture.secret()) }))
        let (second, findings) = try await fixture.importText(ServiceFixture.file([("IVAN@contoso.com", "S4", ServiceFixture.secret()),
                                                                           ("ivan@contoso.com", "S5", ServiceFixture.secret())]))
        #expect(second.added == 1)
        #expect(findings.map(\.code) == [.userTokenLimit])
        try await fixture.importText(ServiceFixture.file([("", "S6", ServiceFixture.secret())]))
        await #expect(throws: StoreError.userLimit(upn: "ivan@contoso.com", limit: 5)) { try await fixture.assign(serial: "S6", to: "ivan@contoso.com") }
        await #expect(throws: StoreError.userLimit(upn: "ivan@contoso.com", limit: 5)) { try await fixture.addApp(upn: "ivan@contoso.com", name: "tablet") }
        try await fixture.removeApp(upn: "ivan@contoso.com", name: "phone")
        try await fixture.assign(serial: "S6", to: "ivan@contoso.com")
        #expect(try await fixture.tokens(matching: .init(user: "Ivan@Contoso.com")).count == 5)
    }

    /// More rows than one writer batch: every token stored once, one `token.add` row each, in file order.
    @Test(arguments: Backend.all) func importSpanningSeveralWriterBatchesStoresEveryRowOnce(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        let count = ImportWriter.batchRows * 2 + 7
        let rows = (0..<count).map { ("user\($0 % 400)@contoso.com", String(format: "B%05d", $0), ServiceFixture.secret()) }
        let (result, findings) = try await fixture.importText(ServiceFixture.file(rows))
        // 400 users: the first five rows of each are accepted, the sixth (rows 2000 on) refused by the limit.
        let accepted = (0..<count).filter { $0 / 400 < 5 }.count
        #expect(result.added == accepted)
        #expect(findings.count == count - accepted && findings.allSatisfy { $0.code == .userTokenLimit })
        let adds = try await fixture.auditTrail().filter { $0.action == "token.add" }
        #expect(adds.map(\.serial) == (0..<accepted).map { String(format: "B%05d", $0) })
        #expect(try await fixture.tokens(matching: .init()).count == accepted)
    }

    /// A block of more tokens than one thread takes at a time: threads share it slice by slice, and
    /// every token is still checked exactly once (the match is found, the candidate count is exact).
    @Test(arguments: Backend.all) func findSharesABlockBetweenThreadsWithoutLosingATokenOrCountingOneTwice(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        let secrets = (0..<1_300).map { _ in ServiceFixture.secret() }
        let rows = secrets.indices.map { ("", String(format: "F%05d", $0), secrets[$0]) }
        try await fixture.importText(ServiceFixture.file(rows))
        let target = 1_111
        let key = HMACKey(secret: Secret(bytes: try Base32.decode(secrets[target])))
        let code = OTP.format(OTP.totp(key: key, at: UInt64(fixture.clock), step: 30), digits: 6)
        for blockSize in [1_300, 700] {
            let found = try await fixture.find(code: code, user: nil, blockSize: blockSize)
            #expect(found.contains { $0.serial == String(format: "F%05d", target) && $0.drift == 0 })
        }
        let details = try await fixture.auditTrail().filter { $0.action == "token.find" }.map(\.detail)
        #expect(details.count == 2 && details.allSatisfy { $0.contains(" of 1300 tokens match") })
    }

    /// Keys of up to 64 bytes are checked sixteen at a time in SIMD lanes, longer ones (Entra allows
    /// 128 Base32 characters, 80 bytes) one at a time: `find` finds a token on either path, at its drift.
    @Test(arguments: Backend.all) func findChecksShortKeysInLanesAndLongKeysOneAtATime(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        let secrets = (0..<100).map { index in
            Base32.encode((0..<(index % 3 == 0 ? 80 : 20)).map { _ in UInt8.random(in: 0...255) })
        }
        try await fixture.importText(ServiceFixture.file(secrets.indices.map { ("", "L\($0)", secrets[$0]) }))
        for target in [30, 31, 98, 99] {
            let key = HMACKey(secret: Secret(bytes: try Base32.decode(secrets[target])))
            let code = OTP.format(OTP.hotp(key: key, counter: UInt64(fixture.clock) / 30 - 1), digits: 6)
            let found = try await fixture.find(code: code)
            #expect(found.contains { $0.serial == "L\(target)" && $0.drift == -1 }, "token \(target)")
        }
    }

    @Test(arguments: Backend.all) func atomicImportStoresNothingWhenARowIsRejected(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        let text = ServiceFixture.file([("a@contoso.com", "S1", ServiceFixture.secret())]) + "b@contoso.com,S2,NOTBASE32!,30,Contoso,Key\n"
        let (result, _) = try await fixture.importText(text, atomic: true)
        #expect(!result.committed && result.batch == nil)
        #expect(try await fixture.tokens().isEmpty)
        #expect(try await fixture.batches().isEmpty)
        let (plain, _) = try await fixture.importText(text)
        #expect(plain.committed && plain.added == 1)
    }

    @Test(arguments: Backend.all) func assignmentRulesAndAudit(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        try await fixture.importText(ServiceFixture.file([("a@contoso.com", "S1", ServiceFixture.secret()), ("", "S2", ServiceFixture.secret())]))
        await #expect(throws: StoreError.assignedToOther(serial: "S1", upn: "a@contoso.com")) { try await fixture.assign(serial: "S1", to: "b@contoso.com") }
        await #expect(throws: StoreError.stillAssigned(serial: "S1", upn: "a@contoso.com")) { try await fixture.delete(serial: "S1", force: false) }
        await #expect(throws: StoreError.notAssigned(serial: "S2")) { try await fixture.unassign(serial: "S2") }
        await #expect(throws: StoreError.tokenNotFound(serial: "S9")) { try await fixture.assign(serial: "S9", to: "b@contoso.com") }
        try await fixture.unassign(serial: "S1")
        #expect(try await fixture.token(serial: "S1").status == .available)
        try await fixture.assign(serial: "S1", to: "b@contoso.com")
        try await fixture.delete(serial: "S1", force: true)
        let actions = try await fixture.auditTrail(serial: "S1").map(\.action)
        #expect(actions == ["token.add", "token.unassign", "token.assign", "token.delete"])
        #expect(try await fixture.auditTrail(user: "B@CONTOSO.COM").map(\.action) == ["token.assign", "token.delete"])
        #expect(try await fixture.auditTrail().allSatisfy { $0.actor == "tester" })
    }

    /// A listing filtered by one serial finds it whatever its case, with the other filters too.
    @Test(arguments: Backend.all) func aListingFiltersByOneSerial(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        try await fixture.importText(ServiceFixture.file([("a@contoso.com", "Ab1", ServiceFixture.secret()), ("", "AB2", ServiceFixture.secret())]))
        #expect(try await fixture.tokens(matching: TokenFilter(serial: "aB1")).map(\.serial) == ["Ab1"])
        #expect(try await fixture.tokens(matching: TokenFilter(status: .available, serial: "ab1")).isEmpty)
        #expect(try await fixture.tokens(matching: TokenFilter(serial: "nope")).isEmpty)
    }
}
