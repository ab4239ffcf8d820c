import Testing
import TokenDomain

/// How every backend reads its stored policy.
@Suite struct PolicyTests {
    @Test func storedSettingsOverTheDefaultsAndUnknownNamesPassedOver() {
        let policy = Policy(stored: [("lockout.threshold", 7), ("login.lock-minutes", 30), ("from.a.newer.version", 1)])
        var expected = Policy()
        expected.lockoutThreshold = 7
        expected.loginLockMinutes = 30
        #expect(policy == expected)
        #expect(Policy(stored: []) == Policy())
    }

    @Test func everySettingReadsBackAsStored() {
        let stored = Policy.Setting.allCases.enumerated().map { ($1.rawValue, $0 + 1) }
        let policy = Policy(stored: stored)
        for (index, setting) in Policy.Setting.allCases.enumerated() { #expect(policy[setting] == index + 1, "\(setting)") }
    }
}
