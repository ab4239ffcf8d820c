/// Verification and lockout settings, stored in the database and audited when changed.
///
/// The lockout values mirror the MFA account lockout settings of identity platforms; the windows
/// mirror what Microsoft Entra allows at activation (a day either side for 30-second tokens, two
/// days for 60-second tokens).
public struct Policy: Sendable, Equatable, Codable {
    /// Denied attempts that lock a token.
    public var lockoutThreshold = 10
    /// Minutes after the first denied attempt until the denial counter resets.
    public var lockoutResetMinutes = 5
    /// Minutes until a locked token unlocks by itself.
    public var lockoutDurationMinutes = 15
    /// Seconds searched either side of now when activating a 30-second token.
    public var activationWindowSeconds30 = 86_400
    /// Seconds searched either side of now when activating a 60-second token.
    public var activationWindowSeconds60 = 172_800
    /// Steps searched either side of now plus the token's drift when verifying a sign-in.
    public var verifyWindowSteps = 2
    /// Seconds searched either side of now for `resync`.
    public var resyncWindowSeconds = 86_400
    /// Most tokens `find` names for one code; more and it refuses.
    public var findMaxMatches = 5
    /// Failed logins that lock an operator.
    public var loginThreshold = 10
    /// Minutes after an operator's first failed login until the count resets.
    public var loginResetMinutes = 5
    /// Minutes a locked operator stays locked.
    public var loginLockMinutes = 15
    /// Minutes a session may sit idle before it ends.
    public var sessionIdleMinutes = 15

    public init() {}

    /// The settings, by the names `policy set` takes.
    public enum Setting: String, CaseIterable, Sendable {
        case lockoutThreshold = "lockout.threshold"
        case lockoutResetMinutes = "lockout.reset-minutes"
        case lockoutDurationMinutes = "lockout.duration-minutes"
        case activationWindowSeconds30 = "activation.window-seconds-30"
        case activationWindowSeconds60 = "activation.window-seconds-60"
        case verifyWindowSteps = "verify.window-steps"
        case resyncWindowSeconds = "resync.window-seconds"
        case findMaxMatches = "find.max-matches"
        case loginThreshold = "login.threshold"
        case loginResetMinutes = "login.reset-minutes"
        case loginLockMinutes = "login.lock-minutes"
        case sessionIdleMinutes = "session.idle-minutes"

        var keyPath: WritableKeyPath<Policy, Int> {
            switch self {
            case .lockoutThreshold: \.lockoutThreshold
            case .lockoutResetMinutes: \.lockoutResetMinutes
            case .lockoutDurationMinutes: \.lockoutDurationMinutes
            case .activationWindowSeconds30: \.activationWindowSeconds30
            case .activationWindowSeconds60: \.activationWindowSeconds60
            case .verifyWindowSteps: \.verifyWindowSteps
            case .resyncWindowSeconds: \.resyncWindowSeconds
            case .findMaxMatches: \.findMaxMatches
            case .loginThreshold: \.loginThreshold
            case .loginResetMinutes: \.loginResetMinutes
            case .loginLockMinutes: \.loginLockMinutes
            case .sessionIdleMinutes: \.sessionIdleMinutes
            }
        }

        /// Values accepted: wide enough for any sane policy, narrow enough to keep searches bounded.
        public var range: ClosedRange<Int> {
            switch self {
            case .lockoutThreshold: 1...1_000
            case .lockoutResetMinutes: 1...1_440
            case .lockoutDurationMinutes: 1...10_080
            case .activationWindowSeconds30, .activationWindowSeconds60, .resyncWindowSeconds: 0...604_800
            case .verifyWindowSteps: 0...10
            case .findMaxMatches: 1...100
            case .loginThreshold: 1...100
            case .loginResetMinutes, .sessionIdleMinutes: 1...1_440
            case .loginLockMinutes: 1...10_080
            }
        }

        public var defaultValue: Int { Policy()[keyPath: keyPath] }

        public var summary: String {
            switch self {
            case .lockoutThreshold: "denied attempts that lock a token"
            case .lockoutResetMinutes: "minutes until the denial counter resets"
            case .lockoutDurationMinutes: "minutes until a locked token unlocks by itself"
            case .activationWindowSeconds30: "activation search, seconds either side (30 s tokens)"
            case .activationWindowSeconds60: "activation search, seconds either side (60 s tokens)"
            case .verifyWindowSteps: "sign-in search, steps either side of now + drift"
            case .resyncWindowSeconds: "resync search, seconds either side"
            case .findMaxMatches: "most tokens find names for one code"
            case .loginThreshold: "failed logins that lock an operator"
            case .loginResetMinutes: "minutes until an operator's failed-login count resets"
            case .loginLockMinutes: "minutes a locked operator stays locked"
            case .sessionIdleMinutes: "minutes a session may sit idle"
            }
        }
    }

    public subscript(setting: Setting) -> Int {
        get { self[keyPath: setting.keyPath] }
        set { self[keyPath: setting.keyPath] = newValue }
    }

    /// The policy as a store keeps it: (setting name, value) pairs, the default for any setting not
    /// among them. A name this version does not know is passed over (a newer version's setting).
    /// The one place stored settings are read, for every backend.
    public init(stored: some Sequence<(String, Int)>) {
        self.init()
        for (key, value) in stored {
            if let setting = Setting(rawValue: key) { self[setting] = value }
        }
    }

    /// The activation window in steps for a token interval.
    public func activationWindowSteps(interval: Int) -> Int {
        (interval == 60 ? activationWindowSeconds60 : activationWindowSeconds30) / interval
    }
}
