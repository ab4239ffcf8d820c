import TokenDomain
import TokenImport

extension TokenService {
    /// Records an authenticator app for a user; refused past the method limit.
    public func addApp(upn: String, name: String, context: OperationContext) async throws {
        if let problem = UPN.problem(in: upn) { throw StoreError.invalidUser(problem) }
        if name.isEmpty { throw StoreError.invalidAppName("is empty; name the app as the user knows it") }
        if let problem = DisplayText.problem(in: name, maxLength: AuthenticatorApp.maxNameLength) { throw StoreError.invalidAppName(problem) }
        try await transaction(context, userKey: UPN.key(upn), appName: name) { facts, stamp in
            if facts.appExists { throw StoreError.appExists(upn: upn, name: name) }
            try Self.requireFreeSlot(facts, upn: upn)
            return Decision(changes: [.addApp(upn: upn, name: name)], audit: [stamp.entry(.appAdded(name: name), upn: upn)], result: ())
        }
    }

    public func removeApp(upn: String, name: String, context: OperationContext) async throws {
        try await transaction(context, userKey: UPN.key(upn), appName: name) { facts, stamp in
            guard facts.appExists else { throw StoreError.appNotFound(upn: upn, name: name) }
            return Decision(changes: [.removeApp(upn: upn, name: name)], audit: [stamp.entry(.appRemoved(name: name), upn: upn)], result: ())
        }
    }
}
