/// A person's login session, as the store keeps it: only digests of its id and CSRF token (a
/// stolen copy of the store gives no session), its operator, and its times.
public struct Session: Sendable, Equatable {
    /// SHA-256 of the session id the browser holds (hex).
    public var idDigest: String
    /// SHA-256 of the CSRF token the page sends with every change (hex).
    public var csrfDigest: String
    public var operatorName: String
    public var createdAt: Int64
    public var lastSeenAt: Int64

    /// However active, a session ends this long after it began.
    public static let absoluteLifetime: Int64 = 12 * 3600
    /// A session's last-seen time is written at most this often (each request would be a write otherwise).
    public static let touchInterval: Int64 = 60

    public init(idDigest: String, csrfDigest: String, operatorName: String, createdAt: Int64, lastSeenAt: Int64) {
        self.idDigest = idDigest
        self.csrfDigest = csrfDigest
        self.operatorName = operatorName
        self.createdAt = createdAt
        self.lastSeenAt = lastSeenAt
    }

    /// Whether the session still holds at `now` under `idleMinutes` (the policy's `session.idle-minutes`).
    public func isLive(at now: Int64, idleMinutes: Int) -> Bool {
        now - createdAt < Self.absoluteLifetime && now - lastSeenAt < Int64(idleMinutes) * 60
    }
}
