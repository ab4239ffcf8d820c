import OATHCore
import Testing
import TokenDomain
import TokenService

/// The applications' sign-in check: the user's activated tokens in one transaction.
@Suite struct SignInTests {
    static let seeds = [Array("12345678901234567890".utf8), Array("abcdefghijabcdefghij".utf8)]

    func code(_ seed: [UInt8], _ time: Int64) -> String {
        OTP.format(OTP.totp(key: HMACKey(secret: Secret(bytes: seed)), at: UInt64(time), step: 30), digits: 6)
    }

    @Test(arguments: Backend.all) func theTokenThatShowsTheCodeTakesItAndAWrongCodeCountsOnEvery(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        try await fixture.importText(ServiceFixture.file([("helga@contoso.com", "G1", Base32.encode(Self.seeds[0])),
                                                          ("helga@contoso.com", "G2", Base32.encode(Self.seeds[1])),
                                                          ("helga@contoso.com", "G3", ServiceFixture.secret())]))
        #expect(try await fixture.activate(serial: "G1", code: code(Self.seeds[0], fixture.clock)).accepted)
        #expect(try await fixture.activate(serial: "G2", code: code(Self.seeds[1], fixture.clock)).accepted)
        fixture.clock += 30
        let service = fixture.service, context = fixture.context
        // G2's code is taken by G2, and only G2 records it; G3 (assigned, not activated) is never tried.
        #expect(try await service.verifySignIn(upn: "helga@contoso.com", code: code(Self.seeds[1], fixture.clock), context: context)
            == SignInOutcome(accepted: true, serial: "G2"))
        #expect(try await fixture.token(serial: "G1").failedAttempts == 0)
        // A code no token shows is a denied attempt on each activated token.
        #expect(try await service.verifySignIn(upn: "helga@contoso.com", code: "000000", context: context)
            == SignInOutcome(accepted: false, reason: .wrongCode))
        for serial in ["G1", "G2"] { #expect(try await fixture.token(serial: serial).failedAttempts == 1) }
        #expect(try await fixture.token(serial: "G3").failedAttempts == 0)
        // A user without tokens, and a name that is no UPN, get the wrong-code answer and record nothing.
        let before = try await fixture.auditTrail().count
        for upn in ["nobody@contoso.com", "not a upn"] {
            #expect(try await service.verifySignIn(upn: upn, code: "123456", context: context) == SignInOutcome(accepted: false, reason: .wrongCode))
        }
        #expect(try await fixture.auditTrail().count == before)
    }
}
