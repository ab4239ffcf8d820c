import SecretSealing
import TokenDomain

/// How an operator proves who it is, as given when it is made or its credential changes.
public enum OperatorCredential: Sendable {
    /// A person's password (at least `Operator.minPasswordLength` characters).
    case password([UInt8])
    /// A program's API key, as `APIKey.generate` made it.
    case apiKey(String)

    var kind: Operator.Kind {
        switch self {
        case .password: .person
        case .apiKey: .program
        }
    }
}

extension TokenService {
    /// Makes an operator. The first admin is made on the command line: shell access to the server is the root of trust.
    public func addOperator(name: String, role: Role, credential: OperatorCredential, context: OperationContext) async throws {
        if let problem = Operator.problem(inName: name) { throw StoreError.invalidOperator(problem) }
        let verifier = try await makeVerifier(credential)
        try await transaction(context, operatorName: name) { facts, stamp in
            if facts.operatorRecord != nil { throw StoreError.operatorExists(name: name) }
            let account = Operator(name: name, role: role, kind: credential.kind, createdAt: stamp.at, updatedAt: stamp.at)
            return Decision(changes: [.addOperator(OperatorRecord(account: account, verifier: verifier))],
                            audit: [stamp.entry(.operatorAdded(name: name, role: role, kind: credential.kind))], result: ())
        }
    }

    /// Replaces an operator's password or key; also clears its failed logins and lock.
    public func changeCredential(name: String, to credential: OperatorCredential, context: OperationContext) async throws {
        let verifier = try await makeVerifier(credential)
        try await changeOperator(name, context: context) { record in
            guard record.account.kind == credential.kind else {
                throw StoreError.invalidOperator("\(name) is a \(record.account.kind.rawValue); it takes a \(record.account.kind == .person ? "password" : "new API key")")
            }
            record.verifier = verifier
            record.account.failedLogins = 0
            record.firstFailureAt = nil
            record.account.lockedUntil = nil
            return .operatorCredentialChanged(name: name)
        }
    }

    /// Disables or enables an operator: a disabled one's logins, sessions and keys stop working at once.
    /// The last enabled admin cannot be disabled.
    public func setDisabled(_ disabled: Bool, name: String, context: OperationContext) async throws {
        try await changeOperator(name, context: context) { record in
            record.account.disabled = disabled
            if !disabled {
                record.account.failedLogins = 0
                record.firstFailureAt = nil
                record.account.lockedUntil = nil
            }
            return disabled ? .operatorDisabled(name: name) : .operatorEnabled(name: name)
        }
    }

    /// Removes an operator; the last enabled admin cannot be removed.
    public func removeOperator(name: String, context: OperationContext) async throws {
        try await transaction(context, operatorName: name, operators: true) { facts, stamp in
            guard let record = facts.operatorRecord else { throw StoreError.operatorNotFound(name: name) }
            try Self.keepAnAdmin(facts, losing: record.account)
            return Decision(changes: [.removeOperator(name: name)], audit: [stamp.entry(.operatorRemoved(name: name))], result: ())
        }
    }

    public func operators() async throws -> [Operator] { try await repository.operators() }

    /// Reads, changes and saves one operator, refusing a change that leaves no enabled admin.
    private func changeOperator(_ name: String, context: OperationContext,
                                _ change: (inout OperatorRecord) throws -> AuditEvent) async throws {
        try await transaction(context, operatorName: name, operators: true) { facts, stamp in
            guard let original = facts.operatorRecord else { throw StoreError.operatorNotFound(name: name) }
            var record = original
            let event = try change(&record)
            if record.account.disabled { try Self.keepAnAdmin(facts, losing: original.account) }
            // A disabled operator, or one whose credential changed, keeps no session.
            let endsSessions = record.account.disabled || record.verifier != original.verifier
            return Decision(changes: [.saveOperator(record)] + (endsSessions ? [.removeSessions(operatorName: name)] : []),
                            audit: [stamp.entry(event)], result: ())
        }
    }

    /// Refuses to lose `account` when it is the last enabled admin (privacyIDEA lets one policy lock
    /// every admin out; here the store always keeps one).
    static func keepAnAdmin(_ facts: TransactionFacts, losing account: Operator) throws {
        if account.role == .admin, !account.disabled, facts.enabledAdmins <= 1 { throw StoreError.lastAdmin(name: account.name) }
    }

    /// The stored form of a credential: a slow salted hash of a password, the digest of a key.
    private func makeVerifier(_ credential: OperatorCredential) async throws -> String {
        switch credential {
        case let .password(password):
            guard password.count >= Operator.minPasswordLength else {
                throw StoreError.invalidOperator("a password needs at least \(Operator.minPasswordLength) characters")
            }
            return try await lanes.login.run { PasswordHash.make(password, iterations: passwordIterations) }
        case let .apiKey(key):
            guard APIKey.isWellFormed(key) else { throw StoreError.invalidOperator("the API key is not one oathctl made") }
            return APIKey.digest(key)
        }
    }
}
