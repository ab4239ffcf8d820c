import PropertyBased
import Testing
import TokenDomain

/// The code-check state machine, without a store: each rule as a table row, and the promises
/// that must hold for any sequence of checks.
@Suite struct CodeCheckTests {
    static let policy: Policy = {
        var policy = Policy()
        policy.lockoutThreshold = 3
        policy.lockoutResetMinutes = 5
        policy.lockoutDurationMinutes = 15
        return policy
    }()
    static let now: Int64 = 1_800_000_000

    typealias State = CodeCheck.State

    func decide(_ state: State, _ result: CodeCheck.SearchResult, kind: CodeCheck.Kind = .verify, at now: Int64 = now) -> CodeCheck.Decision {
        CodeCheck.decide(state: state, policy: Self.policy, now: now, kind: kind) { _ in result }
    }

    @Test func acceptedCodeActivatesSetsTheFloorAndClearsDenials() {
        let decision = decide(State(status: .assigned, failedAttempts: 2, firstFailureAt: Self.now - 60),
                              .accepted(drift: 3, step: 60_000_003), kind: .activate)
        #expect(decision.accepted && decision.drift == 3 && decision.step == 60_000_003)
        #expect(decision.state == State(status: .activated, drift: 3, lastUsedStep: 60_000_003))
        #expect(decision.events == [.accepted(.activate, drift: 3)])
        #expect(decision.events[0].action == "token.activate" && decision.events[0].detail == "accepted, drift 3 steps")
    }

    /// Each refusal as a row: the search result, the kind, the status before -> reason, attempts, status after.
    @Test(arguments: [
        (CodeCheck.SearchResult.wrongCode, CodeCheck.Kind.activate, TokenStatus.assigned, Refusal.wrongCode, 1, TokenStatus.failedActivation),
        (.wrongCode, .activate, .activated, .wrongCode, 1, .activated),
        (.replayed, .verify, .activated, .codeReused, 1, .activated),
        (.wrongCode, .resync, .assigned, .wrongCode, 1, .assigned),
        (.malformed, .verify, .activated, .codeMalformed, 0, .activated),
    ])
    func refusals(result: CodeCheck.SearchResult, kind: CodeCheck.Kind, before: TokenStatus, reason: Refusal, attempts: Int, after: TokenStatus) {
        let decision = decide(State(status: before), result, kind: kind)
        #expect(!decision.accepted && decision.reason == reason)
        #expect(decision.state.failedAttempts == attempts && decision.state.status == after)
    }

    @Test func theThresholdLocksForTheDuration() {
        let decision = decide(State(status: .activated, failedAttempts: 2, firstFailureAt: Self.now - 30), .wrongCode)
        let until = Self.now + 15 * 60
        #expect(decision.state.lockedUntil == until && decision.state.failedAttempts == 3)
        #expect(decision.events == [.refused(.verify, .wrongCode, attempt: 3, threshold: 3), .locked(until: until)])
        #expect(decision.events.map(\.action) == ["token.verify.refused", "token.lock"])
    }

    @Test func aLockedTokenIsRefusedWithoutASearch() {
        var searched = false
        let state = State(status: .activated, failedAttempts: 3, firstFailureAt: Self.now - 60, lockedUntil: Self.now + 1)
        let decision = CodeCheck.decide(state: state, policy: Self.policy, now: Self.now, kind: .verify) { _ in
            searched = true
            return .accepted(drift: 0, step: 1)
        }
        #expect(!searched && decision.reason == .tokenLocked && decision.state == state)
        #expect(decision.events == [.refusedLocked(.verify, until: Self.now + 1)])
    }

    @Test func anExpiredLockIsClearedAndTheCodeChecked() {
        let state = State(status: .activated, failedAttempts: 3, firstFailureAt: Self.now - 3_600, lockedUntil: Self.now)
        let decision = decide(state, .wrongCode)
        #expect(decision.events.first == .lockExpired)
        #expect(decision.state.failedAttempts == 1 && decision.state.lockedUntil == nil && decision.state.firstFailureAt == Self.now)
    }

    @Test func theDenialCounterResetsAfterItsMinutes() {
        let state = State(status: .activated, failedAttempts: 2, firstFailureAt: Self.now - 5 * 60)
        #expect(decide(state, .wrongCode).state.failedAttempts == 1)
        let recent = State(status: .activated, failedAttempts: 2, firstFailureAt: Self.now - 5 * 60 + 1)
        #expect(decide(recent, .wrongCode).state.failedAttempts == 3)
    }

    /// Any sequence of checks: a code's step is accepted at most once (the engine's replay floor is
    /// honoured by the search below, as OATHCore's is), a locked token's code is never searched,
    /// and the counter never passes the threshold.
    @Test func promisesHoldForAnySequence() async {
        await propertyCheck(count: 300, input: Gen.int(in: 0...3).array(of: 1...40), Gen.int(in: 0...40).array(of: 40...40)) { events, gaps in
            var state = State(status: .assigned)
            var now = Self.now
            var accepted: Set<UInt64> = []
            for (index, event) in events.enumerated() {
                now += Int64(gaps[index])
                let locked = (state.lockedUntil ?? 0) > now
                let step = UInt64(now / 30) - UInt64(event % 2)
                var searched = false
                let decision = CodeCheck.decide(state: state, policy: Self.policy, now: now, kind: index == 0 ? .activate : .verify) { current in
                    searched = true
                    switch event {
                    case 0, 1:
                        if let floor = current.lastUsedStep, Int64(step) <= floor { return .replayed }
                        return .accepted(drift: 0, step: step)
                    case 2: return .wrongCode
                    default: return .malformed
                    }
                }
                #expect(!(locked && searched), "a locked token's code was searched")
                if decision.accepted {
                    #expect(accepted.insert(UInt64(decision.step!)).inserted, "a step was accepted twice")
                }
                #expect(decision.state.failedAttempts <= Self.policy.lockoutThreshold)
                state = decision.state
            }
        }
    }
}
