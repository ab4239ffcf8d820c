/// What a code check records in the audit trail: an enum, worded in one place (`action`, `detail`).
/// No event carries a code or a secret.
public enum AuditEvent: Sendable, Equatable {
    /// A lock that had run out was cleared when the token was next used.
    case lockExpired
    /// The token is locked: the code was not checked.
    case refusedLocked(CodeCheck.Kind, until: Int64)
    /// The code was accepted; the drift found, in steps.
    case accepted(CodeCheck.Kind, drift: Int)
    /// A wrong or reused code, counted toward the lockout.
    case refused(CodeCheck.Kind, Refusal, attempt: Int, threshold: Int)
    /// Not a code: not counted.
    case refusedMalformed(CodeCheck.Kind)
    /// The denial that reached the threshold locked the token.
    case locked(until: Int64)

    /// The audit trail's `action` column.
    public var action: String {
        switch self {
        case .lockExpired: "token.unlock"
        case let .refusedLocked(kind, _), let .refused(kind, _, _, _), let .refusedMalformed(kind): kind.rawValue + ".refused"
        case let .accepted(kind, _): kind.rawValue
        case .locked: "token.lock"
        }
    }

    /// The audit trail's `detail` column.
    public var detail: String {
        switch self {
        case .lockExpired: "lock expired"
        case let .refusedLocked(_, until): "token_locked until \(until)"
        case let .accepted(_, drift): "accepted, drift \(drift) steps"
        case let .refused(_, reason, attempt, threshold): "\(reason.rawValue), denied attempt \(attempt) of \(threshold)"
        case .refusedMalformed: "code_malformed"
        case let .locked(until): "locked until \(until)"
        }
    }
}
