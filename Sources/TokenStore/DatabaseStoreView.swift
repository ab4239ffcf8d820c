import Foundation
import GRDB
import OATHCore
import SecretSealing
import TokenImport

/// The store as the file rules see it, read inside the import's own transaction.
///
/// The import's writer thread stores earlier rows on the same connection meanwhile, so every query
/// here holds `connection` (see `ImportWriter`).
struct DatabaseStoreView: StoreView {
    let db: Database
    let vault: Vault
    let connection: NSLock
    /// True when the store held no token and no app when the import began: no lookups needed.
    let isKnownEmpty: Bool

    /// - Parameter startedEmpty: what `isEmpty` said before the import stored anything.
    init(db: Database, vault: Vault, connection: NSLock, startedEmpty: Bool) {
        self.db = db
        self.vault = vault
        self.connection = connection
        isKnownEmpty = startedEmpty
    }

    /// True when the store holds no token and no app.
    static func isEmpty(_ db: Database) throws -> Bool {
        try Int.fetchOne(db, sql: "SELECT (SELECT count(*) FROM token) + (SELECT count(*) FROM app)") == 0
    }

    func existingToken(serial: String) throws -> ExistingToken? {
        if isKnownEmpty { return nil }
        let row = try connection.withLock {
            try Row.fetchOne(db.cachedStatement(sql: "SELECT upn FROM token WHERE serial_key = lower(?)"), arguments: [serial])
        }
        return row.map { ExistingToken(upn: $0["upn"]) }
    }

    func methodCount(userKey: String) throws -> Int {
        if isKnownEmpty { return 0 }
        return try connection.withLock { try TokenStore.methodCount(db, userKey: userKey) }
    }

    func secretMatches(serial: String, secret: Secret) throws -> Bool {
        // The seed is sealed to the serial as stored, which may differ in case from the file's.
        let row = try connection.withLock {
            try Row.fetchOne(db.cachedStatement(sql: "SELECT serial, sealed_secret FROM token WHERE serial_key = lower(?)"), arguments: [serial])
        }
        guard let row,
              let stored = try? vault.box.open(Array(row["sealed_secret"] as Data), serial: row["serial"]) else { return false }
        return stored == secret
    }

    func serialHoldingSecret(_ secret: Secret) throws -> String? {
        if isKnownEmpty { return nil }
        let print = Data(vault.fingerprint.of(secret))
        return try connection.withLock {
            try String.fetchOne(db.cachedStatement(sql: "SELECT serial FROM token WHERE secret_fp = ? LIMIT 1"), arguments: [print])
        }
    }
}
