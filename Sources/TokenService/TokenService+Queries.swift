import TokenDomain

extension TokenService {
    /// Tokens matching the filter, ordered by serial.
    public func tokens(matching filter: TokenFilter = TokenFilter()) async throws -> [Token] {
        try await repository.tokens(matching: filter)
    }

    /// A page of tokens, newest first (the API's listing); `limit` is kept within 1...1,000.
    public func tokenPage(matching filter: TokenFilter, limit: Int, before: Int64?) async throws -> TokenPage {
        try await repository.tokenPage(matching: filter, limit: min(max(limit, 1), 1_000), before: before)
    }

    /// One token, or `tokenNotFound`.
    public func token(serial: String) async throws -> Token {
        guard let token = try await repository.token(serial: serial) else { throw StoreError.tokenNotFound(serial: serial) }
        return token
    }

    /// A user's tokens and apps and the slots left of five: what the API and the page show of a user.
    public func methods(of upn: String) async throws -> UserMethods {
        if let problem = UPN.problem(in: upn) { throw StoreError.invalidUser(problem) }
        return UserMethods(upn: upn, tokens: try await tokens(matching: TokenFilter(user: upn)), apps: try await apps(user: upn))
    }

    /// Apps of one user, or of everyone.
    public func apps(user: String? = nil) async throws -> [AuthenticatorApp] {
        try await repository.apps(userKey: user.map(UPN.key))
    }

    public func policy() async throws -> Policy { try await repository.policy() }

    /// Audit entries, oldest first.
    public func auditTrail(_ query: AuditQuery = AuditQuery()) async throws -> [AuditEntry] {
        try await repository.auditTrail(query)
    }

    /// Every import batch, oldest first.
    public func batches() async throws -> [Batch] { try await repository.batches() }
}
