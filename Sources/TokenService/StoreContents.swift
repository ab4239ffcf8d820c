import TokenDomain

/// A store's contents besides its tokens, as `store copy` carries them between backends.
public struct StoreContents: Sendable, Equatable {
    public var policy: Policy
    public var apps: [AuthenticatorApp]
    public var batches: [Batch]
    /// Oldest first, with their ids (kept by the copy).
    public var audit: [AuditEntry]

    public init(policy: Policy, apps: [AuthenticatorApp], batches: [Batch], audit: [AuditEntry]) {
        self.policy = policy
        self.apps = apps
        self.batches = batches
        self.audit = audit
    }
}
