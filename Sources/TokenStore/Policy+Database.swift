import GRDB

extension Policy {
    /// The settings stored in the `policy` table (defaults for any not there).
    static func load(_ db: Database) throws -> Policy {
        var policy = Policy()
        for row in try Row.fetchAll(db, sql: "SELECT key, value FROM policy") {
            if let setting = Setting(rawValue: row["key"]) { policy[setting] = row["value"] }
        }
        return policy
    }
}

extension TokenStore {
    public func policy() throws -> Policy {
        try db.read { db in try Policy.load(db) }
    }

    /// Changes one setting; refused outside the setting's range. Audited with the old and new values.
    public func setPolicy(_ setting: Policy.Setting, to value: Int) throws {
        guard setting.range.contains(value) else {
            throw StoreError.invalidPolicy("\(setting.rawValue) must be within \(setting.range.lowerBound)...\(setting.range.upperBound)")
        }
        try write { db in
            let old = try Policy.load(db)[setting]
            try db.execute(sql: "UPDATE policy SET value = ? WHERE key = ?", arguments: [value, setting.rawValue])
            try audit(db, action: "policy.set", serial: nil, upn: nil, detail: "\(setting.rawValue) \(old) -> \(value)")
        }
    }
}
