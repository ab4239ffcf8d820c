import TokenDomain

/// A store's contents besides its tokens, as `store copy` carries them between backends.
public struct StoreContents: Sendable, Equatable {
    public var policy: Policy
    public var apps: [AuthenticatorApp]
    public var batches: [Batch]
    /// Oldest first, with their ids (kept by the copy).
    public var audit: [AuditEntry]
    /// With their credential verifiers (hashes and digests, never a password or key).
    public var operators: [OperatorRecord]

    public init(policy: Policy, apps: [AuthenticatorApp], batches: [Batch], audit: [AuditEntry], operators: [OperatorRecord]) {
        self.policy = policy
        self.apps = apps
        self.batches = batches
        self.audit = audit
        self.operators = operators
    }
}
