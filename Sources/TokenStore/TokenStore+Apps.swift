import GRDB
import TokenImport

/// An authenticator-app registration: it counts toward the user's five methods.
public struct AuthenticatorApp: Codable, Sendable, Equatable, FetchableRecord {
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase

    public var upn: String
    public var name: String
    public var createdAt: Int64
}

extension TokenStore {
    /// Longest authenticator-app name.
    public static let maxAppNameLength = 64

    /// Records an authenticator app for a user; refused past five methods.
    public func addApp(upn: String, name: String) throws {
        if let problem = UPN.problem(in: upn) { throw StoreError.invalidUser(problem) }
        if name.isEmpty { throw StoreError.invalidAppName("is empty; name the app as the user knows it") }
        if let problem = DisplayText.problem(in: name, maxLength: Self.maxAppNameLength) { throw StoreError.invalidAppName(problem) }
        try write { db in
            let key = UPN.key(upn)
            if try Int.fetchOne(db, sql: "SELECT count(*) FROM app WHERE user_key = ? AND name = ?", arguments: [key, name])! > 0 {
                throw StoreError.appExists(upn: upn, name: name)
            }
            try Self.requireFreeSlot(db, upn: upn)
            try db.execute(sql: "INSERT INTO app(upn, user_key, name, created_at) VALUES (?, ?, ?, ?)", arguments: [upn, key, name, now()])
            try audit(db, action: "app.add", serial: nil, upn: upn, detail: "app \(name)")
        }
    }

    public func removeApp(upn: String, name: String) throws {
        try write { db in
            try db.execute(sql: "DELETE FROM app WHERE user_key = ? AND name = ?", arguments: [UPN.key(upn), name])
            if db.changesCount == 0 { throw StoreError.appNotFound(upn: upn, name: name) }
            try audit(db, action: "app.remove", serial: nil, upn: upn, detail: "app \(name)")
        }
    }

    /// Apps of one user, or of everyone.
    public func apps(user: String? = nil) throws -> [AuthenticatorApp] {
        try db.read { db in
            if let user {
                return try AuthenticatorApp.fetchAll(db, sql: "SELECT upn, name, created_at FROM app WHERE user_key = ? ORDER BY name",
                                                     arguments: [UPN.key(user)])
            }
            return try AuthenticatorApp.fetchAll(db, sql: "SELECT upn, name, created_at FROM app ORDER BY user_key, name")
        }
    }
}
