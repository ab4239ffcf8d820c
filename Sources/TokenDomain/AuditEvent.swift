/// What an operation records in the audit trail: an enum, worded in one place (`action`, `detail`).
/// No event carries a code or a secret.
public enum AuditEvent: Sendable, Equatable {
    case storeCreated
    /// A whole store copied in from another (`oathctl store copy`), seeds still sealed.
    case storeCopied(from: String, tokens: Int)
    case assigned
    /// An import stored a new token (one entry per token).
    case added(batch: Int64)
    /// An import gave a stored, unassigned token to the row's user.
    case assignedByImport(batch: Int64)
    case unassigned
    case deleted(forced: Bool)
    /// An operator ended a lockout (or cleared the counter of a token that was not locked).
    case unlocked(wasLocked: Bool)
    case appAdded(name: String)
    case appRemoved(name: String)
    case policySet(Policy.Setting, from: Int, to: Int)
    /// A `find` lookup: how many of how many tokens showed the code, and which (none named when refused).
    case found(matches: [String], candidates: Int, refused: Bool)
    case exported(tokens: Int, withSecrets: Bool, destination: String)
    case imported(ImportTally)
    case operatorAdded(name: String, role: Role, kind: Operator.Kind)
    case operatorCredentialChanged(name: String)
    case operatorDisabled(name: String)
    case operatorEnabled(name: String)
    case operatorRemoved(name: String)
    /// An operator proved who it is.
    case loggedIn(name: String)
    /// A person ended a session.
    case loggedOut(name: String)
    /// A wrong password or key for an existing operator, counted toward its lockout.
    case loginFailed(name: String, attempt: Int, threshold: Int)
    /// The failed login that reached the threshold locked the operator.
    case operatorLocked(name: String, until: Int64)
    /// A login refused without checking the credential: the operator is disabled or locked.
    case loginRefused(name: String, reason: String)

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
        case .storeCreated: "store.init"
        case .storeCopied: "store.copy"
        case .assigned, .assignedByImport: "token.assign"
        case .added: "token.add"
        case .unassigned: "token.unassign"
        case .deleted: "token.delete"
        case .unlocked: "token.unlock"
        case .appAdded: "app.add"
        case .appRemoved: "app.remove"
        case .policySet: "policy.set"
        case let .found(_, _, refused): refused ? "token.find.refused" : "token.find"
        case .exported: "store.export"
        case .imported: "batch.import"
        case .operatorAdded: "operator.add"
        case .operatorCredentialChanged: "operator.passwd"
        case .operatorDisabled: "operator.disable"
        case .operatorEnabled: "operator.enable"
        case .operatorRemoved: "operator.remove"
        case .loggedIn: "login"
        case .loggedOut: "logout"
        case .loginFailed, .loginRefused: "login.refused"
        case .operatorLocked: "operator.lock"
        case .lockExpired: "token.unlock"
        case let .refusedLocked(kind, _), let .refused(kind, _, _, _), let .refusedMalformed(kind): kind.rawValue + ".refused"
        case let .accepted(kind, _): kind.rawValue
        case .locked: "token.lock"
        }
    }

    /// The audit trail's `detail` column.
    public var detail: String {
        switch self {
        case .storeCreated, .assigned, .unassigned: ""
        case let .added(batch), let .assignedByImport(batch): "batch \(batch)"
        case let .storeCopied(from, tokens): "from \(from), tokens \(tokens)"
        case let .deleted(forced): forced ? "forced" : ""
        case let .unlocked(wasLocked): wasLocked ? "manual" : "manual, was not locked"
        case let .appAdded(name), let .appRemoved(name): "app \(name)"
        case let .policySet(setting, from, to): "\(setting.rawValue) \(from) -> \(to)"
        case let .found(matches, candidates, refused):
            "\(matches.count) of \(candidates) tokens match: \(refused ? "not named" : matches.joined(separator: " "))"
        case let .exported(tokens, withSecrets, destination):
            "\(tokens) tokens \(withSecrets ? "with secrets" : "without secrets") to \(destination)"
        case let .operatorAdded(name, role, kind): "operator \(name) role \(role.rawValue) (\(kind.rawValue))"
        case let .operatorCredentialChanged(name), let .operatorDisabled(name), let .operatorEnabled(name),
             let .operatorRemoved(name), let .loggedIn(name), let .loggedOut(name): "operator \(name)"
        case let .loginFailed(name, attempt, threshold): "operator \(name): wrong credential, failed login \(attempt) of \(threshold)"
        case let .operatorLocked(name, until): "operator \(name) locked until \(until)"
        case let .loginRefused(name, reason): "operator \(name): \(reason)"
        case let .imported(tally):
            "batch \(tally.batch) file \(tally.fileName) sha256 \(tally.sha256) added \(tally.added) assigned \(tally.assigned) unchanged \(tally.unchanged) rejected \(tally.rejected)"
        case .lockExpired: "lock expired"
        case let .refusedLocked(_, until): "token_locked until \(until)"
        case let .accepted(_, drift): "accepted, drift \(drift) steps"
        case let .refused(_, reason, attempt, threshold): "\(reason.rawValue), denied attempt \(attempt) of \(threshold)"
        case .refusedMalformed: "code_malformed"
        case let .locked(until): "locked until \(until)"
        }
    }
}
