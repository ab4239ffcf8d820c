/// A code check's outcome in words a helpdesk agent can read out on the phone: the command line
/// and the web page say the same thing.
public struct CheckWording {
    /// What was being done, as a past participle: "Activated", "Verified", "Resynchronised".
    public var verb: String
    /// The window searched, for a wrong-code message: "in the activation window".
    public var window: String
    /// How to end a lock early: "'oathctl unlock T1'" on the command line, "Unlock" on the page.
    public var unlockHint: (String) -> String
    /// Unix seconds as the front end shows a time.
    public var time: (Int64) -> String

    public init(verb: String, window: String, unlockHint: @escaping (String) -> String, time: @escaping (Int64) -> String) {
        self.verb = verb
        self.window = window
        self.unlockHint = unlockHint
        self.time = time
    }

    /// The three checks, with their verbs and windows.
    public enum Kind: Sendable {
        case activation, signIn, resync

        public var verb: String {
            switch self {
            case .activation: "Activated"
            case .signIn: "Verified"
            case .resync: "Resynchronised"
            }
        }

        public var window: String {
            switch self {
            case .activation: "in the activation window"
            case .signIn: "now (within the sign-in window)"
            case .resync: "as two consecutive codes in the resync window"
            }
        }
    }

    public init(_ kind: Kind, unlockHint: @escaping (String) -> String, time: @escaping (Int64) -> String) {
        self.init(verb: kind.verb, window: kind.window, unlockHint: unlockHint, time: time)
    }

    public func text(_ outcome: CheckOutcome) -> String {
        outcome.accepted ? accepted(outcome) : refused(outcome)
    }

    /// "token clock is 3 steps (90 s) fast", or in step.
    public static func clock(drift: Int, seconds: Int) -> String {
        drift == 0 ? "token clock is in step with this clock"
            : "token clock is \(abs(drift)) step\(abs(drift) == 1 ? "" : "s") (\(abs(seconds)) s) \(drift > 0 ? "fast" : "slow")"
    }

    private func accepted(_ o: CheckOutcome) -> String {
        let user = o.upn.map { " (\($0))" } ?? ""
        return "\(verb) \(o.serial)\(user): accepted; \(Self.clock(drift: o.drift ?? 0, seconds: o.driftSeconds ?? 0))"
    }

    private func refused(_ o: CheckOutcome) -> String {
        let attempts = "Denied attempt \(o.failedAttempts) of \(o.lockoutThreshold) before lockout."
        switch o.reason {
        case .tokenLocked:
            let until = o.lockedUntil.map(time) ?? "later"
            return "Refused (token_locked): \(o.serial) is locked after too many denied attempts until \(until); the code was not checked. \(unlockHint(o.serial)) ends it early."
        case .codeReused:
            return "Refused (code_reused): this code was already used; a code is accepted once. Ask for the next code. \(attempts)" + lockNote(o)
        case .codeMalformed:
            return "Refused (code_malformed): the code must be the digits the token shows (6 or 8); nothing was counted."
        case .wrongCode, nil:
            return "Refused (wrong_code): the code is not valid \(window); check the serial on the token and ask for the next code. \(attempts)" + lockNote(o)
        }
    }

    private func lockNote(_ o: CheckOutcome) -> String {
        o.lockedUntil.map { " The token is now locked until \(time($0))." } ?? ""
    }
}
