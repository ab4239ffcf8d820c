import TokenDomain
import OATHCore

/// What storing an accepted row does to the store.
public enum StoreAction: String, Sendable {
    /// A new token.
    case add
    /// The store holds this serial unassigned with the same secret: give it the row's user.
    case assign
    /// The store holds the same serial, user and secret: nothing to do.
    case unchanged
}

/// A token that passed every rule of its row: ready to be checked across the file and stored.
public struct ValidToken: Sendable {
    public var line: Int
    /// The user as written (after unescaping), or nil for an unassigned inventory token.
    public var upn: String?
    public var serial: String
    public var secret: Secret
    public var interval: Int
    public var manufacturer: String
    public var model: String
    public var hash: HashAlgorithm
    public var digits: Int
    /// Set by the file rules from what the store holds.
    public var storeAction = StoreAction.add

    /// The user compared case-insensitively, as directories compare UPNs.
    public var userKey: String? { upn.map(UPN.key) }

    public init(line: Int, upn: String?, serial: String, secret: Secret, interval: Int,
                manufacturer: String, model: String, hash: HashAlgorithm = .sha1, digits: Int = 6) {
        self.line = line
        self.upn = upn
        self.serial = serial
        self.secret = secret
        self.interval = interval
        self.manufacturer = manufacturer
        self.model = model
        self.hash = hash
        self.digits = digits
    }
}
