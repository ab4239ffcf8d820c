import TokenDomain

/// `oathctl store copy`: a whole store from one backend into a new store on another, seeds still
/// sealed (both stores are opened with the same vault, so the destination's key check is the
/// source's key: a store sealed under another key never opens there).
public enum StoreCopy {
    /// What a copy carried.
    public struct Report: Sendable, Equatable, Codable {
        public var tokens: Int
        public var apps: Int
        public var batches: Int
        public var auditEntries: Int

        public init(tokens: Int, apps: Int, batches: Int, auditEntries: Int) {
            self.tokens = tokens
            self.apps = apps
            self.batches = batches
            self.auditEntries = auditEntries
        }
    }

    /// Copies everything from `source` into `destination` (which must hold nothing) in one
    /// destination transaction, and records the copy in the destination's audit trail.
    public static func copy(from source: any TokenRepository, to destination: any TokenRepository,
                            context: OperationContext, at: Int64) async throws -> Report {
        let contents = try await source.contents()
        var tokens: [TokenRecord] = []
        try await source.forEachSealedToken { tokens.append($0) }
        let stamp = AuditStamp(at: at, context: context)
        let entry = stamp.entry(.storeCopied(from: source.location, tokens: tokens.count))
        try await destination.restore(contents, tokens: tokens, entry: entry)
        return Report(tokens: tokens.count, apps: contents.apps.count, batches: contents.batches.count,
                      auditEntries: contents.audit.count + 1)
    }
}
