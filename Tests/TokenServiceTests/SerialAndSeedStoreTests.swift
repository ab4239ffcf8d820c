import Foundation
import GRDB
import OATHCore
import Testing
import TokenImport
@testable import TokenStore
import TokenService
import SecretSealing
import TokenDomain

/// Issue 13, points 4, 5 and 9 in the store: serials folded, seeds fingerprinted, SHA-512 kept.
@Suite struct SerialAndSeedStoreTests {

    @Test(arguments: Backend.all) func aSerialDifferingOnlyInCaseIsTheStoredToken(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        let seed = ServiceFixture.secret()
        try await fixture.importText(ServiceFixture.file([("carol@contoso.com", "Z0", seed)]))
        let (result, findings) = try await fixture.importText(ServiceFixture.file([("mallory@contoso.com", "z0", seed)]))
        #expect(result.added == 0 && findings.map(\.code) == [.tokenAssignedElsewhere])
        // Looked up folded, kept as given.
        #expect(try await fixture.token(serial: "z0").serial == "Z0")
        #expect(try await fixture.tokens().count == 1)
        try await fixture.unassign(serial: "z0")
        #expect(try await fixture.auditTrail(serial: "z0").last?.serial == "Z0")
    }

    @Test(arguments: Backend.all) func aStoredSeedUnderAnotherSerialIsADuplicate(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        let seed = ServiceFixture.secret()
        try await fixture.importText(ServiceFixture.file([("a@contoso.com", "S1", seed)]))
        let (result, findings) = try await fixture.importText(ServiceFixture.file([("b@contoso.com", "S2", seed)]))
        #expect(result.added == 0)
        #expect(findings.map(\.code) == [.secretDuplicate] && findings[0].message.contains("S1"))
        // The fingerprint is a keyed MAC: neither the seed nor a plain hash of it is stored.
        var stored: [UInt8]?
        try await fixture.repository.forEachSealedToken { stored = $0.fingerprint }
        let bytes = try Base32.decode(seed)
        #expect(stored == fixture.vault.fingerprint.of(Secret(bytes: bytes)))
        #expect(stored != HMACKey(secret: Secret(bytes: []), algorithm: .sha256).mac(bytes))
    }

    /// A store from before fingerprints gets them on its next open, so its seeds are found too.
    @Test func fingerprintsAreFilledInForOlderTokens() async throws {
        let fixture = try await ServiceFixture(.sqlite)
        let seed = ServiceFixture.secret()
        try await fixture.importText(ServiceFixture.file([("a@contoso.com", "OLD", seed)]))
        try fixture.sqlite.write { db in try db.execute(sql: "UPDATE token SET secret_fp = NULL") }
        let reopened = try TokenStore.open(path: fixture.path, vault: fixture.vault)
        #expect(try reopened.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM token WHERE secret_fp IS NULL") } == 0)
    }

    /// SHA-512 tokens (multiOTP, privacyIDEA, LinOTP) are stored and give RFC 6238's SHA-512 codes.
    @Test(arguments: Backend.all) func sha512TokensAreStoredAndChecked(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        let seed = Array("1234567890123456789012345678901234567890123456789012345678901234".utf8)
        let text = "upn,serial number,secret key,time interval,manufacturer,model,hash,digits\n"
            + "a@contoso.com,S512,\(Base32.encode(seed)),30,multiOTP,Soft,sha512,8\n"
        let (result, findings) = try await fixture.importText(text)
        #expect(result.added == 1 && findings.isEmpty)
        #expect(try await fixture.token(serial: "S512").hash == "sha512")
        // RFC 6238 Appendix B: T = 59 gives 90693936 with SHA-512.
        fixture.clock = 59
        #expect(try await fixture.activate(serial: "S512", code: "90693936").accepted)
    }

    /// A zero-byte file named as the store is refused and left empty.
    @Test func anEmptyFileIsNotAStore() async throws {
        let fixture = try await ServiceFixture(.sqlite)
        let empty = fixture.directory.appendingPathComponent("empty.sqlite").path
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        #expect(throws: StoreError.self) { try TokenStore.open(path: empty, vault: fixture.vault) }
        #expect(try FileManager.default.attributesOfItem(atPath: empty)[.size] as? Int == 0)
    }
}
