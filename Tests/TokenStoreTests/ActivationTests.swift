import Foundation
import OATHCore
import Testing
import TokenImport
@testable import TokenStore

/// Activation, sign-in verification, replay, lockout and resync, with the clock fixed by the fixture.
@Suite struct ActivationTests {
    /// RFC 4226's seed, so the codes below come from the engine the vectors test.
    static let seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    static let key = HMACKey(secret: Secret(bytes: Array("12345678901234567890".utf8)))
    /// T60's own seed (every token has its own: `secret_duplicate`).
    static let seed60 = Base32.encode(Array("60-second token seed!".utf8))
    static let key60 = HMACKey(secret: Secret(bytes: Array("60-second token seed!".utf8)))

    let fixture: StoreFixture
    var store: TokenStore { fixture.store }

    init() throws {
        fixture = try StoreFixture()
        let text = StoreFixture.header + "\nhelga@contoso.com,T30,\(Self.seed),30,Contoso,Key\nhelga@contoso.com,T60,\(Self.seed60),60,Contoso,Key\n"
        let (result, _) = try fixture.importText(text)
        precondition(result.added == 2)
        // FREE shares T30's seed, as a store filled before `secret_duplicate` could hold: an import
        // would refuse it, so it is written as such a store held it (find must still name both).
        let sealed = fixture.store.box.seal(Secret(bytes: Array("12345678901234567890".utf8)), serial: "FREE")
        try fixture.store.db.write { db in
            try db.execute(sql: """
                INSERT INTO token(serial, serial_key, sealed_secret, interval, hash, digits, manufacturer, model, status, created_at, updated_at)
                VALUES ('FREE', 'free', ?, 30, 'sha1', 6, 'Contoso', 'Key', 'available', 0, 0)
                """, arguments: [Data(sealed)])
        }
    }

    /// The code a token of `interval` seconds shows at the fixture's clock plus `offset` seconds.
    func code(_ offset: Int64, interval: UInt64 = 30) -> String {
        OTP.format(OTP.totp(key: interval == 60 ? Self.key60 : Self.key, at: UInt64(fixture.clock + offset), step: interval), digits: 6)
    }

    @Test(arguments: [0, 30, -30, 43_200, -43_200, 86_400, -86_400] as [Int64])
    func activationToleratesADayOfDrift(offset: Int64) throws {
        let outcome = try store.activate(serial: "T30", code: code(offset))
        #expect(outcome.accepted)
        #expect(outcome.drift == Int(offset / 30))
        let token = try store.token(serial: "T30")
        #expect(token.status == .activated && token.drift == Int(offset / 30))
        #expect(token.lastUsedStep == (fixture.clock + offset) / 30)
    }

    @Test(arguments: [86_430, -86_430] as [Int64])
    func justPastTheWindowIsRefused(offset: Int64) throws {
        let outcome = try store.activate(serial: "T30", code: code(offset))
        #expect(!outcome.accepted && outcome.reason == .wrongCode)
        let token = try store.token(serial: "T30")
        #expect(token.status == .failedActivation && token.failedAttempts == 1)
    }

    @Test func sixtySecondTokensGetTwoDays() throws {
        #expect(try store.activate(serial: "T60", code: code(-172_860, interval: 60)).reason == .wrongCode)
        #expect(try store.activate(serial: "T60", code: code(172_800, interval: 60)).drift == 2_880)
    }

    @Test func replayIsRefusedAndUnassignedTokensCannotBeActivated() throws {
        let first = code(0)
        #expect(try store.activate(serial: "T30", code: first).accepted)
        let again = try store.activate(serial: "T30", code: first)
        #expect(again.reason == .codeReused)
        #expect(try store.token(serial: "T30").status == .activated)
        #expect(throws: StoreError.notAssigned(serial: "FREE")) { try store.activate(serial: "FREE", code: code(0)) }
        #expect(try store.activate(serial: "FREE", code: code(30), user: "olaf@contoso.com").accepted)
        #expect(try store.token(serial: "FREE").upn == "olaf@contoso.com")
    }

    @Test func verifyFollowsDriftAndRefusesReplays() throws {
        #expect(throws: StoreError.notActivated(serial: "T30", status: "assigned")) { try store.verify(serial: "T30", code: code(0)) }
        #expect(try store.activate(serial: "T30", code: code(300)).drift == 10)
        fixture.clock += 600
        let signIn = try store.verify(serial: "T30", code: code(330))
        #expect(signIn.accepted && signIn.drift == 11)
        #expect(try store.verify(serial: "T30", code: code(330)).reason == .codeReused)
        // Outside ±2 steps of now + drift (11): refused though the activation window would accept it.
        #expect(try store.verify(serial: "T30", code: code(0)).reason == .wrongCode)
        #expect(try store.verify(serial: "T30", code: "12a456").reason == .codeMalformed)
        // The replay and the wrong code were denied attempts; the malformed code was not counted.
        #expect(try store.token(serial: "T30").failedAttempts == 2)
    }

    @Test func lockoutAfterTheThresholdAndAutomaticUnlock() throws {
        #expect(try store.activate(serial: "T30", code: code(0)).accepted)
        let wrong = OTP.format((UInt32(code(60))! + 1) % 1_000_000, digits: 6)
        for attempt in 1...10 {
            let outcome = try store.verify(serial: "T30", code: wrong)
            #expect(outcome.failedAttempts == attempt)
            #expect((outcome.lockedUntil != nil) == (attempt == 10))
        }
        let locked = try store.verify(serial: "T30", code: code(60))
        #expect(locked.reason == .tokenLocked)
        fixture.clock += 15 * 60
        #expect(try store.verify(serial: "T30", code: code(0)).accepted)
        let actions = try store.auditTrail(serial: "T30").map(\.action)
        #expect(actions.contains("token.lock") && actions.contains("token.unlock"))
    }

    @Test func denialCounterResetsAfterItsMinutes() throws {
        #expect(try store.activate(serial: "T30", code: code(0)).accepted)
        for _ in 1...9 { _ = try store.verify(serial: "T30", code: "000000") }
        fixture.clock += 5 * 60
        let outcome = try store.verify(serial: "T30", code: "000000")
        #expect(outcome.failedAttempts == 1 && outcome.lockedUntil == nil)
    }

    @Test func manualUnlockAndPolicy() throws {
        try store.setPolicy(.lockoutThreshold, to: 2)
        #expect(throws: StoreError.self) { try store.setPolicy(.lockoutThreshold, to: 0) }
        #expect(try store.activate(serial: "T30", code: code(0)).accepted)
        _ = try store.verify(serial: "T30", code: "000000")
        #expect(try store.verify(serial: "T30", code: "000001").lockedUntil != nil)
        #expect(try store.unlock(serial: "T30"))
        #expect(try store.verify(serial: "T30", code: code(30)).accepted)
        #expect(try store.auditTrail().contains { $0.action == "policy.set" && $0.detail == "lockout.threshold 10 -> 2" })
    }

    @Test func resyncNeedsConsecutiveCodesAndKeepsTheFloor() throws {
        #expect(try store.activate(serial: "T30", code: code(0)).accepted)
        let far: Int64 = 20_000
        let nonConsecutive = try store.resync(serial: "T30", first: code(far), second: code(far + 60))
        #expect(nonConsecutive.reason == .wrongCode)
        let outcome = try store.resync(serial: "T30", first: code(far), second: code(far + 30))
        #expect(outcome.accepted && outcome.drift == Int((far + 30) / 30))
        #expect(try store.token(serial: "T30").drift == Int((far + 30) / 30))
        // Codes at or before the new floor never resync again.
        #expect(try store.resync(serial: "T30", first: code(far - 30), second: code(far)).reason == .codeReused)
    }

    @Test func findNamesTheTokenAndRefusesTooManyMatches() throws {
        #expect(try store.activate(serial: "T30", code: code(0)).accepted)
        let found = try store.find(code: code(30))
        #expect(found.map(\.serial).contains("T30"))
        #expect(found.map(\.serial).contains("FREE"))
        #expect(try store.find(code: code(30), user: "HELGA@contoso.com").map(\.serial) == ["T30"])
        try store.setPolicy(.findMaxMatches, to: 1)
        #expect(throws: StoreError.tooManyMatches(count: 2, limit: 1)) { try store.find(code: code(30)) }
        #expect(try store.auditTrail().filter { $0.action.hasPrefix("token.find") }.count == 3)
    }

    /// Blocks of 1, 2, 3 and 4 tokens: every block boundary, and a last block full or partial.
    @Test(arguments: [1, 2, 3, 4])
    func findReadsEveryBlockOnce(blockSize: Int) throws {
        let whole = try store.find(code: code(30), user: nil, blockSize: 1_000)
        #expect(try store.find(code: code(30), user: nil, blockSize: blockSize) == whole)
        let tokens = try store.tokens(matching: .init()).count
        let details = try store.auditTrail().filter { $0.action == "token.find" }.map(\.detail)
        #expect(details.allSatisfy { $0.hasPrefix("\(whole.count) of \(tokens) tokens match") })
    }

    @Test func noAuditRowHoldsASecretOrACode() throws {
        let used = code(0)
        _ = try store.activate(serial: "T30", code: used)
        _ = try store.verify(serial: "T30", code: "000000")
        for entry in try store.auditTrail() {
            let text = [entry.action, entry.serial ?? "", entry.upn ?? "", entry.detail].joined(separator: " ")
            #expect(!text.contains(Self.seed.prefix(8)))
            #expect(!text.contains(used))
        }
    }
}
