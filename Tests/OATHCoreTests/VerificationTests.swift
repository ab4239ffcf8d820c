import PropertyBased
import Testing
@testable import OATHCore

@Suite struct VerificationTests {
    static let key = HMACKey(secret: Secret(bytes: Array("12345678901234567890".utf8)))
    /// RFC 6238: at T = 59 the SHA-1 step-1 code is 287082 (6 digits); at 1111111109 it is 081804.
    let now: UInt64 = 1_111_111_109

    func code(step: UInt64) -> UInt32 { OTP.hotp(key: Self.key, counter: step) }

    @Test func acceptsTheRFCCodeAtItsTime() throws {
        let match = try Verification.verify(code: 81804, key: Self.key, request: .init(time: now, window: 1))
        #expect(match == .init(step: now / 30, drift: 0))
    }

    @Test func measuresDriftInsideTheWindow() throws {
        let current = now / 30
        let fast = try Verification.verify(code: code(step: current + 3), key: Self.key, request: .init(time: now, window: 5))
        #expect(fast.drift == 3)
        let slow = try Verification.verify(code: code(step: current - 4), key: Self.key, request: .init(time: now, window: 5))
        #expect(slow.drift == -4)
    }

    @Test func searchesAroundTheKnownDrift() throws {
        let current = now / 30
        let request = Verification.Request(time: now, window: 1, drift: 10)
        #expect(try Verification.verify(code: code(step: current + 11), key: Self.key, request: request).drift == 11)
        #expect(throws: Verification.Failure.wrongCode) {
            try Verification.verify(code: code(step: current), key: Self.key, request: request)
        }
    }

    @Test func refusesReplays() {
        let current = now / 30
        let request = Verification.Request(time: now, window: 2, lastUsedStep: current)
        #expect(throws: Verification.Failure.replayed(step: current)) {
            try Verification.verify(code: code(step: current), key: Self.key, request: request)
        }
        #expect(throws: Verification.Failure.replayed(step: current - 1)) {
            try Verification.verify(code: code(step: current - 1), key: Self.key, request: request)
        }
    }

    @Test func windowNearTimeZeroDoesNotUnderflow() throws {
        let match = try Verification.verify(code: 287082, key: Self.key, request: .init(time: 0, window: 3))
        #expect(match == .init(step: 1, drift: 1))
    }

    @Test func parsesTypedCodes() throws {
        #expect(try Verification.parseCode("081 804", digits: 6) == 81804)
        #expect(try Verification.parseCode("08-18-04", digits: 6) == 81804)
        for bad in ["", "12345", "1234567", "12a456", "１２３４５６"] {
            #expect(throws: Verification.Failure.malformedCode(expectedDigits: 6)) { try Verification.parseCode(bad, digits: 6) }
        }
    }

    /// Exactly the codes of steps within ±window are accepted, and never one at or below the floor.
    @Test func acceptsExactlyTheWindow() async {
        await propertyCheck(count: 300, input: Gen.int(in: -8...8), Gen.int(in: 0...4), Gen.int(in: -3...3)) { offset, window, floorOffset in
            let current = now / 30
            let target = UInt64(Int64(current) + Int64(offset))
            let floor = UInt64(Int64(current) + Int64(floorOffset))
            let request = Verification.Request(time: now, window: window, lastUsedStep: floor)
            let result = Result { () throws(Verification.Failure) in
                try Verification.verify(code: code(step: target), key: Self.key, request: request)
            }
            let inWindow = abs(offset) <= window
            switch result {
            case let .success(match):
                #expect(inWindow && target > floor)
                // A 6-digit collision can match another step; the nearest fresh step must be the target or closer.
                #expect(abs(match.drift) <= abs(offset))
            case .failure(.replayed):
                #expect(inWindow && target <= floor)
            case .failure(.wrongCode):
                #expect(!inWindow)
            case .failure(.malformedCode):
                Issue.record("unexpected malformed code")
            }
        }
    }
}
