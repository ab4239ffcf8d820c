import Testing
import TokenDomain

/// The login state machine, without a store: each rule as a row.
@Suite struct LoginCheckTests {
    static let policy: Policy = {
        var policy = Policy()
        policy.loginThreshold = 3
        policy.loginResetMinutes = 5
        policy.loginLockMinutes = 15
        return policy
    }()
    static let now: Int64 = 1_800_000_000

    static func hana(failed: Int = 0, first: Int64? = nil, lockedUntil: Int64? = nil, disabled: Bool = false) -> OperatorRecord {
        OperatorRecord(account: Operator(name: "hana", role: .helpdesk, kind: .person, disabled: disabled, failedLogins: failed,
                                         lockedUntil: lockedUntil, createdAt: 0, updatedAt: 0),
                       verifier: "v", firstFailureAt: first)
    }

    func decide(_ stored: OperatorRecord, _ matches: Bool, at now: Int64 = now) -> LoginCheck.Decision {
        LoginCheck.decide(stored, passwordMatches: matches, policy: Self.policy, now: now)
    }

    @Test func aRightPasswordLogsInAndClearsEarlierFailures() {
        let decision = decide(Self.hana(failed: 2, first: Self.now - 60), true)
        #expect(decision.accepted?.name == "hana" && decision.record == Self.hana())
        #expect(decision.events == [.loggedIn(name: "hana")] && !decision.endsSessions)
    }

    @Test func aWrongPasswordCountsFromItsFirstFailure() {
        let decision = decide(Self.hana(failed: 1, first: Self.now - 60), false)
        #expect(decision.accepted == nil && decision.record == Self.hana(failed: 2, first: Self.now - 60))
        #expect(decision.events == [.loginFailed(name: "hana", attempt: 2, threshold: 3)] && !decision.endsSessions)
    }

    @Test func theThresholdthFailureLocksAndEndsSessions() {
        let decision = decide(Self.hana(failed: 2, first: Self.now - 60), false)
        let until = Self.now + 15 * 60
        #expect(decision.record == Self.hana(failed: 3, first: Self.now - 60, lockedUntil: until))
        #expect(decision.events == [.loginFailed(name: "hana", attempt: 3, threshold: 3), .operatorLocked(name: "hana", until: until)])
        #expect(decision.endsSessions && decision.accepted == nil)
    }

    @Test func failuresOlderThanTheResetWindowStartAgain() {
        let decision = decide(Self.hana(failed: 2, first: Self.now - 5 * 60), false)
        #expect(decision.record == Self.hana(failed: 1, first: Self.now))
        #expect(decision.events == [.loginFailed(name: "hana", attempt: 1, threshold: 3)])
    }

    @Test(arguments: [true, false]) func aLockedOperatorIsRefusedWhateverThePassword(matches: Bool) {
        let stored = Self.hana(failed: 3, first: Self.now - 60, lockedUntil: Self.now + 1)
        let decision = decide(stored, matches)
        #expect(decision.accepted == nil && decision.record == stored && !decision.endsSessions)
        #expect(decision.events == [.loginRefused(name: "hana", reason: "locked until \(Self.now + 1)")])
    }

    @Test func anExpiredLockStartsTheCountAgain() {
        let decision = decide(Self.hana(failed: 3, first: Self.now - 3_600, lockedUntil: Self.now), true)
        #expect(decision.accepted != nil && decision.record == Self.hana())
    }

    @Test(arguments: [true, false]) func aDisabledOperatorIsRefusedAndNothingChanges(matches: Bool) {
        let stored = Self.hana(failed: 1, first: Self.now - 60, disabled: true)
        let decision = decide(stored, matches)
        #expect(decision.accepted == nil && decision.record == stored)
        #expect(decision.events == [.loginRefused(name: "hana", reason: "disabled")])
    }
}
