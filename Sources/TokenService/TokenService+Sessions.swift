import SecretSealing
import TokenDomain

/// A session just begun: the id for the cookie and the CSRF token for the page, each shown once.
public struct SessionStart: Sendable {
    public let id: String
    public let csrfToken: String
    public let account: Operator
}

/// The operator behind a live session, and a check of the CSRF token its page must send with changes.
public struct SessionHolder: Sendable {
    public let account: Operator
    let csrfDigest: String

    /// Whether `token` is this session's CSRF token (compared as digests, in constant time).
    public func acceptsCSRF(_ token: String?) -> Bool {
        guard let token else { return false }
        return Digest.equal(Array(Digest.sha256Hex(token).utf8), Array(csrfDigest.utf8))
    }
}

extension TokenService {
    /// Logs a person in and begins a session; `loginRefused` as `authenticate` says.
    public func startSession(name: String, password: [UInt8], context: OperationContext) async throws -> SessionStart {
        let account = try await authenticate(name: name, password: password, context: context)
        let id = RandomToken.hex(), csrf = Self.csrfToken(sessionId: id)
        try await transaction(context, operatorName: name) { facts, stamp in
            guard facts.operatorRecord != nil else { throw StoreError.loginRefused }
            return Decision(changes: [.addSession(Session(idDigest: Digest.sha256Hex(id), csrfDigest: Digest.sha256Hex(csrf),
                                                          operatorName: name, createdAt: stamp.at, lastSeenAt: stamp.at))], result: ())
        }
        return SessionStart(id: id, csrfToken: csrf, account: account)
    }

    /// The operator of a live session (not idle past the policy, not older than 12 hours, operator
    /// enabled and not locked), or `loginRefused`. A dead session is removed; a live one is marked
    /// seen (at most once a minute).
    public func session(id: String, context: OperationContext) async throws -> SessionHolder {
        let digest = Digest.sha256Hex(id)
        let holder = try await transaction(context, sessionDigest: digest) { facts, stamp -> Decision<SessionHolder?> in
            guard let session = facts.session else { return Decision(result: nil) }
            guard let record = facts.operatorRecord, record.account.mayAct(at: stamp.at),
                  session.isLive(at: stamp.at, idleMinutes: facts.policy.sessionIdleMinutes) else {
                return Decision(changes: [.removeSession(idDigest: digest)], result: nil)
            }
            let touch = stamp.at - session.lastSeenAt >= Session.touchInterval
            return Decision(changes: touch ? [.touchSession(idDigest: digest)] : [],
                            result: SessionHolder(account: record.account, csrfDigest: session.csrfDigest))
        }
        guard let holder else { throw StoreError.loginRefused }
        return holder
    }

    /// A session's CSRF token, bound to its id: a page served to the session's cookie can carry it
    /// in its forms, while a page elsewhere, which cannot read the HttpOnly cookie, cannot make it.
    /// The store keeps only its digest, as before.
    public static func csrfToken(sessionId id: String) -> String {
        Digest.sha256Hex("oathctl csrf token of session " + id)
    }

    /// Ends a session (logout); audited under its operator.
    public func endSession(id: String, context: OperationContext) async throws {
        let digest = Digest.sha256Hex(id)
        try await transaction(context, sessionDigest: digest) { facts, stamp in
            guard let session = facts.session else { return Decision(result: ()) }
            return Decision(changes: [.removeSession(idDigest: digest)], audit: [stamp.entry(.loggedOut(name: session.operatorName))],
                            result: ())
        }
    }
}
