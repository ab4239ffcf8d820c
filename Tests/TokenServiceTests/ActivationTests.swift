import Foundation
import OATHCore
import Testing
import TokenImport
@testable import TokenStore
import TokenService
import SecretSealing
import TokenDomain

/// Activation, sign-in verification, replay, lockout and resync, with the clock fixed by the fixture.
@Suite struct ActivationTests {
    /// RFC 4226's seed, so the codes below come from the engine the vectors test.
    static let seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    static let key = HMACKey(secret: Secret(bytes: Array("12345678901234567890".utf8)))
    /// T60's own seed (every token has its own: `secret_duplicate`).
    static let seed60 = Base32.encode(Array("60-second token seed!".utf8))
    static let key60 = HMACKey(secret: Secret(bytes: Array("60-second token seed!".utf8)))

    /// A store holding T30 and T60 (assigned to Helga) and FREE (unassigned).
    static func setUp(_ backend: Backend) async throws -> ServiceFixture {
        let fixture = try await ServiceFixture(backend)
        let text = ServiceFixture.header + "\nhelga@contoso.com,T30,\(Self.seed),30,Contoso,Key\nhelga@contoso.com,T60,\(Self.seed60),60,Contoso,Key\n"
        let (result, _) = try await fixture.importText(text)
        precondition(result.added == 2)
        // FREE shares T30's seed, as a store filled before `secret_duplicate` could hold: an import
        // would refuse it, so it is written as such a store held it (find must still name both).
        try await fixture.insertUnchecked(serial: "FREE", secret: Secret(bytes: Array("12345678901234567890".utf8)))
        return fixture
    }

    /// The code a token of `interval` seconds shows at the fixture's clock plus `offset` seconds.
    static func code(_ fixture: ServiceFixture, _ offset: Int64, interval: UInt64 = 30) -> String {
        OTP.format(OTP.totp(key: interval == 60 ? Self.key60 : Self.key, at: UInt64(fixture.clock + offset), step: interval), digits: 6)
    }

    @Test(arguments: Backend.all, [0, 30, -30, 43_200, -43_200, 86_400, -86_400] as [Int64])
    func activationToleratesADayOfDrift(backend: Backend, offset: Int64) async throws {
        let fixture = try await Self.setUp(backend)
        let outcome = try await fixture.activate(serial: "T30", code: Self.code(fixture, offset))
        #expect(outcome.accepted)
        #expect(outcome.drift == Int(offset / 30))
        let token = try await fixture.token(serial: "T30")
        #expect(token.status == .activated && token.drift == Int(offset / 30))
        #expect(token.lastUsedStep == (fixture.clock + offset) / 30)
    }

    @Test(arguments: Backend.all, [86_430, -86_430] as [Int64])
    func justPastTheWindowIsRefused(backend: Backend, offset: Int64) async throws {
        let fixture = try await Self.setUp(backend)
        let outcome = try await fixture.activate(serial: "T30", code: Self.code(fixture, offset))
        #expect(!outcome.accepted && outcome.reason == .wrongCode)
        let token = try await fixture.token(serial: "T30")
        #expect(token.status == .failedActivation && token.failedAttempts == 1)
    }

    @Test(arguments: Backend.all) func sixtySecondTokensGetTwoDays(backend: Backend) async throws {
        let fixture = try await Self.setUp(backend)
        #expect(try await fixture.activate(serial: "T60", code: Self.code(fixture, -172_860, interval: 60)).reason == .wrongCode)
        #expect(try await fixture.activate(serial: "T60", code: Self.code(fixture, 172_800, interval: 60)).drift == 2_880)
    }

    @Test(arguments: Backend.all) func replayIsRefusedAndUnassignedTokensCannotBeActivated(backend: Backend) async throws {
        let fixture = try await Self.setUp(backend)
        let first = Self.code(fixture, 0)
        #expect(try await fixture.activate(serial: "T30", code: first).accepted)
        let again = try await fixture.activate(serial: "T30", code: first)
        #expect(again.reason == .codeReused)
        #expect(try await fixture.token(serial: "T30").status == .activated)
        await #expect(throws: StoreError.notAssigned(serial: "FREE")) { try await fixture.activate(serial: "FREE", code: Self.code(fixture, 0)) }
        #expect(try await fixture.activate(serial: "FREE", code: Self.code(fixture, 30), user: "olaf@contoso.com").accepted)
        #expect(try await fixture.token(serial: "FREE").upn == "olaf@contoso.com")
    }

    @Test(arguments: Backend.all) func verifyFollowsDriftAndRefusesReplays(backend: Backend) async throws {
        let fixture = try await Self.setUp(backend)
        await #expect(throws: StoreError.notActivated(serial: "T30", status: "assigned")) { try await fixture.verify(serial: "T30", code: Self.code(fixture, 0)) }
        #expect(try await fixture.activate(serial: "T30", code: Self.code(fixture, 300)).drift == 10)
        fixture.clock += 600
        let signIn = try await fixture.verify(serial: "T30", code: Self.code(fixture, 330))
        #expect(signIn.accepted && signIn.drift == 11)
        #expect(try await fixture.verify(serial: "T30", code: Self.code(fixture, 330)).reason == .codeReused)
        // Outside ±2 steps of now + drift (11): refused though the activation window would accept it.
        #expect(try await fixture.verify(serial: "T30", code: Self.code(fixture, 0)).reason == .wrongCode)
        #expect(try await fixture.verify(serial: "T30", code: "12a456").reason == .codeMalformed)
        // The replay and the wrong code were denied attempts; the malformed code was not counted.
        #expect(try await fixture.token(serial: "T30").failedAttempts == 2)
    }

    @Test(arguments: Backend.all) func lockoutAfterTheThresholdAndAutomaticUnlock(backend: Backend) async throws {
        let fixture = try await Self.setUp(backend)
        #expect(try await fixture.activate(serial: "T30", code: Self.code(fixture, 0)).accepted)
        let wrong = OTP.format((UInt32(Self.code(fixture, 60))! + 1) % 1_000_000, digits: 6)
        for attempt in 1...10 {
            let outcome = try await fixture.verify(serial: "T30", code: wrong)
            #expect(outcome.failedAttempts == attempt)
            #expect((outcome.lockedUntil != nil) == (attempt == 10))
        }
        let locked = try await fixture.verify(serial: "T30", code: Self.code(fixture, 60))
        #expect(locked.reason == .tokenLocked)
        fixture.clock += 15 * 60
        #expect(try await fixture.verify(serial: "T30", code: Self.code(fixture, 0)).accepted)
        let actions = try await fixture.auditTrail(serial: "T30").map(\.action)
        #expect(actions.contains("token.lock") && actions.contains("token.unlock"))
    }

    @Test(arguments: Backend.all) func denialCounterResetsAfterItsMinutes(backend: Backend) async throws {
        let fixture = try await Self.setUp(backend)
        #expect(try await fixture.activate(serial: "T30", code: Self.code(fixture, 0)).accepted)
        for _ in 1...9 { _ = try await fixture.verify(serial: "T30", code: "000000") }
        fixture.clock += 5 * 60
        let outcome = try await fixture.verify(serial: "T30", code: "000000")
        #expect(outcome.failedAttempts == 1 && outcome.lockedUntil == nil)
    }

    @Test(arguments: Backend.all) func manualUnlockAndPolicy(backend: Backend) async throws {
        let fixture = try await Self.setUp(backend)
        try await fixture.setPolicy(.lockoutThreshold, to: 2)
        await #expect(throws: StoreError.self) { try await fixture.setPolicy(.lockoutThreshold, to: 0) }
        #expect(try await fixture.activate(serial: "T30", code: Self.code(fixture, 0)).accepted)
        _ = try await fixture.verify(serial: "T30", code: "000000")
        #expect(try await fixture.verify(serial: "T30", code: "000001").lockedUntil != nil)
        #expect(try await fixture.unlock(serial: "T30"))
        #expect(try await fixture.verify(serial: "T30", code: Self.code(fixture, 30)).accepted)
        #expect(try await fixture.auditTrail().contains { $0.action == "policy.set" && $0.detail == "lockout.threshold 10 -> 2" })
    }

    @Test(arguments: Backend.all) func resyncNeedsConsecutiveCodesAndKeepsTheFloor(backend: Backend) async throws {
        let fixture = try await Self.setUp(backend)
        #expect(try await fixture.activate(serial: "T30", code: Self.code(fixture, 0)).accepted)
        let far: Int64 = 20_000
        let nonConsecutive = try await fixture.resync(serial: "T30", first: Self.code(fixture, far), second: Self.code(fixture, far + 60))
        #expect(nonConsecutive.reason == .wrongCode)
        let outcome = try await fixture.resync(serial: "T30", first: Self.code(fixture, far), second: Self.code(fixture, far + 30))
        #expect(outcome.accepted && outcome.drift == Int((far + 30) / 30))
        #expect(try await fixture.token(serial: "T30").drift == Int((far + 30) / 30))
        // Codes at or before the new floor never resync again.
        #expect(try await fixture.resync(serial: "T30", first: Self.code(fixture, far - 30), second: Self.code(fixture, far)).reason == .codeReused)
    }

    @Test(arguments: Backend.all) func findNamesTheTokenAndRefusesTooManyMatches(backend: Backend) async throws {
        let fixture = try await Self.setUp(backend)
        #expect(try await fixture.activate(serial: "T30", code: Self.code(fixture, 0)).accepted)
        let found = try await fixture.find(code: Self.code(fixture, 30))
        #expect(found.map(\.serial).contains("T30"))
        #expect(found.map(\.serial).contains("FREE"))
        #expect(try await fixture.find(code: Self.code(fixture, 30), user: "HELGA@contoso.com").map(\.serial) == ["T30"])
        try await fixture.setPolicy(.findMaxMatches, to: 1)
        await #expect(throws: StoreError.tooManyMatches(count: 2, limit: 1)) { try await fixture.find(code: Self.code(fixture, 30)) }
        #expect(try await fixture.auditTrail().filter { $0.action.hasPrefix("token.find") }.count == 3)
    }

    /// Blocks of 1, 2, 3 and 4 tokens: every block boundary, and a last block full or partial.
    @Test(arguments: Backend.all, [1, 2, 3, 4])
    func findReadsEveryBlockOnce(backend: Backend, blockSize: Int) async throws {
        let fixture = try await Self.setUp(backend)
        let whole = try await fixture.find(code: Self.code(fixture, 30), user: nil, blockSize: 1_000)
        #expect(try await fixture.find(code: Self.code(fixture, 30), user: nil, blockSize: blockSize) == whole)
        let tokens = try await fixture.tokens(matching: .init()).count
        let details = try await fixture.auditTrail().filter { $0.action == "token.find" }.map(\.detail)
        #expect(details.allSatisfy { $0.hasPrefix("\(whole.count) of \(tokens) tokens match") })
    }

    @Test(arguments: Backend.all) func noAuditRowHoldsASecretOrACode(backend: Backend) async throws {
        let fixture = try await Self.setUp(backend)
        let used = Self.code(fixture, 0)
        _ = try await fixture.activate(serial: "T30", code: used)
        _ = try await fixture.verify(serial: "T30", code: "000000")
        for entry in try await fixture.auditTrail() {
            let text = [entry.action, entry.serial ?? "", entry.upn ?? "", entry.detail].joined(separator: " ")
            #expect(!text.contains(Self.seed.prefix(8)))
            #expect(!text.contains(used))
        }
    }
}
