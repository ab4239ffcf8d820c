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
    /// The error reports kept with batches.
    public var reports: [BatchReport]

    public init(policy: Policy, apps: [AuthenticatorApp], batches: [Batch], audit: [AuditEntry], operators: [OperatorRecord],
                reports: [BatchReport]) {
        self.policy = policy
        self.apps = apps
        self.batches = batches
        self.audit = audit
        self.operators = operators
        self.reports = reports
    }
}

/// One page of a token listing, newest first.
public struct TokenPage: Sendable, Equatable {
    public var tokens: [Token]
    /// The cursor of the next page (the last token's place in the store), when there is one.
    public var next: Int64?

    public init(tokens: [Token], next: Int64?) {
        self.tokens = tokens
        self.next = next
    }
}

/// A batch's error report as the import kept it (the CSV `oathctl validate` writes).
public struct BatchReport: Sendable, Equatable {
    public var batch: Int64
    public var csv: [UInt8]

    public init(batch: Int64, csv: [UInt8]) {
        self.batch = batch
        self.csv = csv
    }
}

/// What a store holds of one batch's error report.
public enum StoredReport: Sendable, Equatable {
    case noSuchBatch
    /// The batch was imported before reports were kept.
    case notKept
    case csv([UInt8])
}
