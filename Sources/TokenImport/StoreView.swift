import TokenDomain
import OATHCore

/// What the file rules need to know about tokens already stored, without depending on a database.
///
/// The token store implements it; `validate` without a store and the tests use `EmptyStoreView`.
public protocol StoreView {
    /// The stored token with this serial, if any.
    func existingToken(serial: String) throws -> ExistingToken?
    /// How many methods (hardware tokens and authenticator apps) the store holds for a user.
    func methodCount(userKey: String) throws -> Int
    /// Whether the stored token `serial` has exactly this secret (asked only for serials that exist).
    func secretMatches(serial: String, secret: Secret) throws -> Bool
    /// The serial of a stored token with exactly this seed, if any (one seed under two serials).
    func serialHoldingSecret(_ secret: Secret) throws -> String?
    /// True when the store is known to hold no token and no app: then the rules ask it nothing
    /// (and make no `String` to ask with).
    var isKnownEmpty: Bool { get }
}

extension StoreView {
    public var isKnownEmpty: Bool { false }
}

/// A stored token as the file rules see it.
public struct ExistingToken: Sendable, Equatable {
    /// The assigned user, compared case-insensitively; nil when unassigned.
    public var userKey: String?
    /// The assigned user as stored, for messages.
    public var upn: String?

    public init(upn: String?) {
        self.upn = upn
        userKey = upn.map(UPN.key)
    }
}

/// A store with nothing in it.
public struct EmptyStoreView: StoreView {
    public init() {}
    public func existingToken(serial: String) -> ExistingToken? { nil }
    public func methodCount(userKey: String) -> Int { 0 }
    public func secretMatches(serial: String, secret: Secret) -> Bool { false }
    public func serialHoldingSecret(_ secret: Secret) -> String? { nil }
    public var isKnownEmpty: Bool { true }
}
