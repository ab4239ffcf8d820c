/// What a user holds of the five methods: the one view the API and the page show of a user.
public struct UserMethods: Codable, Sendable, Equatable {
    public var upn: String
    public var tokens: [Token]
    public var apps: [AuthenticatorApp]
    /// Methods the user may still add (of `MethodLimit.perUser`).
    public var slotsLeft: Int

    public init(upn: String, tokens: [Token], apps: [AuthenticatorApp]) {
        self.upn = upn
        self.tokens = tokens
        self.apps = apps
        slotsLeft = max(0, MethodLimit.perUser - tokens.count - apps.count)
    }
}
