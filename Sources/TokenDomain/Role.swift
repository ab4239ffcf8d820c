/// What an operator is for. Least privilege: each role may do only what its work needs, and the
/// server checks `allows` for every route (the table in the README).
public enum Role: String, Codable, Sendable, CaseIterable {
    /// Everything below, plus imports, deletes, the policy and operators.
    case admin
    /// Activates and looks after tokens for users on the phone; never imports, exports or deletes.
    case helpdesk
    /// Reads tokens, users, batches and the whole audit trail; changes nothing.
    case auditor
    /// An application (VPN gateway, portal) checking sign-in codes, and nothing else.
    case verifier

    public func allows(_ permission: Permission) -> Bool {
        switch self {
        case .admin: true
        case .helpdesk: Self.helpdeskPermissions.contains(permission)
        case .auditor: Self.auditorPermissions.contains(permission)
        case .verifier: permission == .verifySignIn
        }
    }

    private static let helpdeskPermissions: Set<Permission> = [.findByCode, .readTokens, .assign, .activate, .unlock, .readTokenAudit]
    private static let auditorPermissions: Set<Permission> = [.readTokens, .readTokenAudit, .readAudit, .readMetrics]
}

/// Something an operator may ask the service for; each route of the server needs one.
public enum Permission: String, Sendable, CaseIterable {
    /// An application's sign-in check (`POST /verify`).
    case verifySignIn
    case findByCode
    /// Tokens and users (never a seed: no permission returns one).
    case readTokens
    /// Assign and unassign, within the rules.
    case assign
    /// Activate, resync, and check a token's code.
    case activate
    case unlock
    /// One token's audit entries.
    case readTokenAudit
    /// The whole audit trail and the batches.
    case readAudit
    case readMetrics
    /// Validate and import uploads.
    case importTokens
    case deleteTokens
    case changePolicy
    case manageOperators
}
