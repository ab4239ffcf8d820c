import OATHCore
import TokenDomain

/// The answer to an application's sign-in check: which token took the code, or why none did.
/// The same for a user who does not exist as for a wrong code, so it tells nothing of users.
public struct SignInOutcome: Codable, Sendable, Equatable {
    public var accepted: Bool
    public var serial: String?
    public var reason: Refusal?

    public init(accepted: Bool, serial: String? = nil, reason: Refusal? = nil) {
        self.accepted = accepted
        self.serial = serial
        self.reason = reason
    }
}

extension TokenService {
    /// An application's sign-in check (`POST /verify`): the code against the user's activated
    /// tokens (at most five). The code is first tried on each without recording anything; the
    /// token it matches is then checked for real (replay floor, lockout). A code no token takes
    /// counts as a denied attempt on every activated token of the user, so guessing across a
    /// user's tokens locks them all.
    public func verifySignIn(upn: String, code: String, context: OperationContext) async throws -> SignInOutcome {
        // A name that is no UPN holds no token: the same answer as a wrong code.
        guard UPN.problem(in: upn) == nil else { return SignInOutcome(accepted: false, reason: .wrongCode) }
        // One transaction under the user's lock: the probe, the check and what it records, so two
        // nodes checking the same code for one user cannot both accept it.
        return try await transaction(context, userKey: UPN.key(upn), activatedTokens: true) { facts, stamp in
            let tokens = facts.activatedTokens
            let search: Search = { key, state, policy, value, time throws(Verification.Failure) in
                try Verification.verify(code: value, key: key, request: Self.signInRequest(state, policy: policy, time: time))
            }
            if let match = tokens.first(where: { matches($0, code: code, policy: facts.policy, at: stamp.at) }) {
                let check = try self.check(match, code: code, kind: .verify, policy: facts.policy, stamp: stamp, search: search)
                return Decision(changes: check.changes, audit: check.audit, result: SignInOutcome(
                    accepted: check.result.accepted, serial: check.result.accepted ? match.token.serial : nil, reason: check.result.reason))
            }
            var changes: [StoreChange] = [], audit: [AuditEntry] = [], reason = Refusal.wrongCode
            for token in tokens {
                let check = try self.check(token, code: code, kind: .verify, policy: facts.policy, stamp: stamp, search: search)
                changes += check.changes
                audit += check.audit
                if check.result.reason == .tokenLocked || check.result.reason == .codeMalformed { reason = check.result.reason ?? reason }
            }
            return Decision(changes: changes, audit: audit, result: SignInOutcome(accepted: false, reason: reason))
        }
    }

    /// Whether `code` is in the token's sign-in window now (nothing recorded; a used code matches too,
    /// so that its replay is refused on this token rather than counted on every token).
    private func matches(_ record: TokenRecord, code: String, policy: Policy, at time: Int64) -> Bool {
        guard let value = try? Verification.parseCode(code, digits: record.token.digits),
              let secret = try? vault.box.open(record.sealed, serial: record.token.serial) else { return false }
        let key = HMACKey(secret: secret, algorithm: HashAlgorithm(rawValue: record.token.hash) ?? .sha1)
        return (try? Verification.verify(code: value, key: key,
                                         request: Self.signInRequest(record, policy: policy, time: UInt64(max(0, time)), replays: true))) != nil
    }
}
