import OATHCore
import TokenDomain

/// The answer to an application's sign-in check: which token took the code, or why none did.
/// The same for a user who does not exist as for a wrong code, so it tells nothing of users.
public struct SignInOutcome: Codable, Sendable, Equatable {
    public var accepted: Bool
    public var serial: String?
    public var reason: Refusal?
}

extension TokenService {
    /// An application's sign-in check (`POST /verify`): the code against the user's activated
    /// tokens (at most five). The code is first tried on each without recording anything; the
    /// token it matches is then checked for real (replay floor, lockout). A code no token takes
    /// counts as a denied attempt on every activated token of the user, so guessing across a
    /// user's tokens locks them all.
    public func verifySignIn(upn: String, code: String, context: OperationContext) async throws -> SignInOutcome {
        let tokens = try await repository.tokens(matching: TokenFilter(user: upn, status: .activated))
        guard !tokens.isEmpty else { return SignInOutcome(accepted: false, reason: .wrongCode) }
        for token in tokens where try await matches(serial: token.serial, code: code) {
            let outcome = try await verify(serial: token.serial, code: code, context: context)
            return SignInOutcome(accepted: outcome.accepted, serial: outcome.accepted ? token.serial : nil, reason: outcome.reason)
        }
        var reason = Refusal.wrongCode
        for token in tokens {
            let outcome = try await verify(serial: token.serial, code: code, context: context)
            if outcome.reason == .tokenLocked || outcome.reason == .codeMalformed { reason = outcome.reason ?? reason }
        }
        return SignInOutcome(accepted: false, reason: reason)
    }

    /// Whether `code` is in the token's sign-in window now (a read: nothing recorded, no audit).
    private func matches(serial: String, code: String) async throws -> Bool {
        try await repository.perform(TransactionReads(at: clock(), serial: serial)) { facts in
            guard let record = facts.token, let value = try? Verification.parseCode(code, digits: record.token.digits),
                  let secret = try? vault.box.open(record.sealed, serial: record.token.serial) else { return Decision(result: false) }
            let key = HMACKey(secret: secret, algorithm: HashAlgorithm(rawValue: record.token.hash) ?? .sha1)
            let found = try? Verification.verify(code: value, key: key,
                                                 request: Self.signInRequest(record, policy: facts.policy, time: UInt64(max(0, clock())), replays: true))
            return Decision(result: found != nil)
        }
    }
}
