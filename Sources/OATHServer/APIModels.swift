import Hummingbird
import TokenDomain
import TokenService

// The JSON bodies of the API, in and out. Names as the command line's `--format json` uses them.

struct LoginRequest: Decodable, Sendable {
    var name: String
    var password: String
}

struct LoginResponse: ResponseEncodable, Sendable {
    var name: String
    var role: Role
    /// Send it back in `X-CSRF-Token` with every request that changes something.
    var csrfToken: String
}

struct UPNRequest: Decodable, Sendable {
    var upn: String
}

struct CodeRequest: Decodable, Sendable {
    var code: String
    var upn: String?
}

struct ResyncRequest: Decodable, Sendable {
    var code1: String
    var code2: String
}

struct SignInRequest: Decodable, Sendable {
    var upn: String
    var code: String
}

struct PolicyValue: Codable, Sendable, ResponseEncodable {
    var value: Int
}

struct NewOperatorRequest: Decodable, Sendable {
    var name: String
    var role: Role
    /// A person's password; leave it out and set `apiKey` for a program.
    var password: String?
    var apiKey: Bool?
}

struct NewOperatorResponse: ResponseEncodable, Sendable {
    var name: String
    var role: Role
    /// A program's key, shown this once.
    var apiKey: String?
}

struct TokenPage: ResponseEncodable, Sendable {
    var tokens: [Token]
    /// The `after` of the next page, when there is one.
    var next: String?
}

struct UserView: ResponseEncodable, Sendable {
    var upn: String
    var tokens: [Token]
    var apps: [AuthenticatorApp]
    /// Methods the user may still have (of five).
    var slotsLeft: Int
}

struct Health: ResponseEncodable, Sendable {
    var status: String
}

extension Token: ResponseEncodable {}
extension CheckOutcome: ResponseEncodable {}
extension SignInOutcome: ResponseEncodable {}
extension FoundToken: ResponseEncodable {}
extension AuditEntry: ResponseEncodable {}
extension Batch: ResponseEncodable {}
extension Operator: ResponseEncodable {}
extension Policy: ResponseEncodable {}
