/// A person or program that acts on the store under its own name and role. Operators live in the
/// store, so every node sees them.
public struct Operator: Codable, Sendable, Equatable {
    public var name: String
    public var role: Role
    public var kind: Kind
    public var disabled: Bool
    /// Failed logins counted toward the operator's lockout.
    public var failedLogins: Int
    public var lockedUntil: Int64?
    public var createdAt: Int64
    public var updatedAt: Int64

    /// How the operator proves who it is.
    public enum Kind: String, Codable, Sendable {
        /// A password (slow salted hash).
        case person
        /// An API key (its SHA-256 digest).
        case program
    }

    public init(name: String, role: Role, kind: Kind, disabled: Bool = false, failedLogins: Int = 0, lockedUntil: Int64? = nil,
                createdAt: Int64, updatedAt: Int64) {
        self.name = name
        self.role = role
        self.kind = kind
        self.disabled = disabled
        self.failedLogins = failedLogins
        self.lockedUntil = lockedUntil
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Longest operator name.
    public static let maxNameLength = 64
    /// Shortest password a person may have.
    public static let minPasswordLength = 12

    /// What is wrong with an operator name, or nil: 1 to 64 of a-z, 0-9, `.`, `_`, `-`, `@`,
    /// starting with a letter or digit (names appear in audit rows and URLs, so nothing that needs escaping).
    public static func problem(inName name: String) -> String? {
        guard let first = name.utf8.first else { return "the operator name is empty" }
        if name.utf8.count > maxNameLength { return "the operator name is longer than \(maxNameLength) characters" }
        func isAlphanumeric(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte) || (0x30...0x39).contains(byte) }
        guard isAlphanumeric(first) else { return "the operator name must start with a lower-case letter or a digit" }
        for byte in name.utf8 where !isAlphanumeric(byte) && !"._-@".utf8.contains(byte) {
            return "the operator name may hold only a-z, 0-9, '.', '_', '-' and '@'"
        }
        return nil
    }

    /// True when the operator may act now: enabled and not locked.
    public func mayAct(at now: Int64) -> Bool { !disabled && (lockedUntil ?? 0) <= now }
}

/// An operator as a write transaction reads it: with its credential's verifier (a password hash
/// or an API key digest, never the password or key) and the start of its failed-login count.
public struct OperatorRecord: Sendable, Equatable {
    public var account: Operator
    public var verifier: String
    public var firstFailureAt: Int64?

    public init(account: Operator, verifier: String, firstFailureAt: Int64? = nil) {
        self.account = account
        self.verifier = verifier
        self.firstFailureAt = firstFailureAt
    }
}
