/// An authenticator-app registration: it counts toward the user's five methods.
public struct AuthenticatorApp: Codable, Sendable, Equatable {
    public var upn: String
    public var name: String
    public var createdAt: Int64

    /// Longest app name.
    public static let maxNameLength = 64

    public init(upn: String, name: String, createdAt: Int64) {
        self.upn = upn
        self.name = name
        self.createdAt = createdAt
    }
}
