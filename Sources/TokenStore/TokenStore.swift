import Foundation
import GRDB
import Logging
import OATHCore
// Re-exported: the store's API speaks the domain's types (status, policy, outcomes).
@_exported import TokenDomain
import TokenImport

/// The durable state: tokens with sealed secrets, assignments, authenticator apps, batches, audit.
///
/// SQLite through GRDB. Every change runs in one IMMEDIATE transaction, so two processes never
/// interleave their writes and a killed process leaves the store as it was before or after.
public final class TokenStore {
    let db: DatabaseQueue
    let box: SecretBox
    /// Fingerprints seeds for the `secret_fp` column (one seed under two serials).
    let fingerprint: SecretFingerprint
    /// Kept for work that unseals on several threads, each with its own `SecretBox`.
    let key: MasterKey
    /// Who is recorded in the audit trail.
    public let actor: String
    /// Unix seconds; injectable so tests and `OATHCTL_NOW` are deterministic.
    let now: () -> Int64
    /// One line per audited change, written once its transaction has committed. Never a seed, code or key.
    let logger: Logger
    /// The audited changes of the transaction under way, logged if it commits.
    private var pendingLog: [(action: String, serial: String?, upn: String?, detail: String)] = []

    private init(db: DatabaseQueue, key: MasterKey, actor: String, now: @escaping () -> Int64, logger: Logger) {
        self.db = db
        self.logger = logger
        box = SecretBox(key: key)
        fingerprint = SecretFingerprint(masterKey: key)
        self.key = key
        self.actor = actor
        self.now = now
    }

    /// Creates a new store file (mode 0600) and records a key check, so a wrong key is caught on open.
    public static func create(path: String, key: MasterKey, actor: String, now: @escaping () -> Int64,
                              logger: Logger = Logger(label: "oathctl.store")) throws -> TokenStore {
        makePrivateParentDirectory(of: path)
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            if errno == EEXIST { throw StoreError.storeExists(path: path) }
            throw StoreError.notAStore(path: path, reason: String(cString: strerror(errno)))
        }
        _ = Glibc.close(fd)
        do {
            let store = TokenStore(db: try openQueue(path), key: key, actor: actor, now: now, logger: logger)
            try Schema.migrator.migrate(store.db)
            try store.write { db in
                let check = store.box.seal(Array(keyCheckText.utf8), associatedData: Array("key-check".utf8))
                try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('key_check', ?)", arguments: [Data(check)])
                try store.audit(db, action: "store.init", serial: nil, upn: nil, detail: "")
            }
            return store
        } catch {
            unlink(path)
            throw StoreError.database("\(error)")
        }
    }

    /// Opens an existing store, upgrading its schema, and checks that `key` is its key.
    public static func open(path: String, key: MasterKey, actor: String, now: @escaping () -> Int64,
                            logger: Logger = Logger(label: "oathctl.store")) throws -> TokenStore {
        var info = stat()
        guard stat(path, &info) == 0 else { throw StoreError.storeMissing(path: path) }
        // SQLite would take an empty file for an empty database and write a new store into it.
        if (info.st_mode & S_IFMT) == S_IFREG, info.st_size == 0 {
            throw StoreError.notAStore(path: path, reason: "it is empty (0 bytes); a store is made by 'oathctl init'")
        }
        let store: TokenStore
        do {
            store = TokenStore(db: try openQueue(path), key: key, actor: actor, now: now, logger: logger)
            try Schema.migrator.migrate(store.db)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError.notAStore(path: path, reason: "not an SQLite database")
        } catch {
            throw StoreError.notAStore(path: path, reason: "\(error)")
        }
        let check = try store.db.read { db in try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'key_check'") }
        guard let check else { throw StoreError.notAStore(path: path, reason: "it has no key check") }
        guard let opened = try? store.box.open(Array(check), associatedData: Array("key-check".utf8)),
              opened == Array(keyCheckText.utf8) else { throw StoreError.wrongKey }
        try store.fillMissingFingerprints()
        return store
    }

    /// Computes the seed fingerprint of tokens stored before fingerprints existed (needs the key, so
    /// the migration could not). One transaction; a no-op once every token has one.
    private func fillMissingFingerprints() throws {
        let missing = try db.read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM token WHERE secret_fp IS NULL)") } ?? false
        guard missing else { return }
        try write { db in
            let rows = try Row.fetchAll(db, sql: "SELECT id, serial, sealed_secret FROM token WHERE secret_fp IS NULL")
            for row in rows {
                let serial: String = row["serial"]
                guard let secret = try? box.open(Array(row["sealed_secret"] as Data), serial: serial) else { throw StoreError.wrongKey }
                try db.execute(sql: "UPDATE token SET secret_fp = ? WHERE id = ?", arguments: [Data(fingerprint.of(secret)), row["id"] as Int64])
            }
        }
    }

    private static let keyCheckText = "oathctl master key check v1"

    private static func openQueue(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            // Deleted rows are overwritten with zeros, so a deleted token leaves no sealed secret in free pages.
            try db.execute(sql: "PRAGMA secure_delete = ON")
            // Statement journals (an import's multi-row inserts) stay in memory, not in /var/tmp files.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    /// Runs `body` in one IMMEDIATE transaction (the write lock is taken before the first read).
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        defer { pendingLog.removeAll() }
        do {
            let result = try db.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
            for entry in pendingLog {
                logger.info("\(entry.action)", metadata: [
                    "actor": "\(actor)", "serial": "\(entry.serial ?? "")", "upn": "\(entry.upn ?? "")", "detail": "\(entry.detail)",
                ])
            }
            return result
        } catch let error as DatabaseError {
            logger.error("store transaction failed", metadata: ["reason": "\(error.resultCode)"])
            throw Self.translate(error)
        }
    }

    /// Turns trigger refusals into typed errors.
    static func translate(_ error: DatabaseError) -> Error {
        if let message = error.message, message.hasPrefix("user_token_limit") {
            return StoreError.userLimit(upn: "the user", limit: Schema.maxMethodsPerUser)
        }
        return StoreError.database(error.message ?? "\(error.resultCode)")
    }

    /// Records one change in the audit trail. Never pass a secret.
    func audit(_ db: Database, action: String, serial: String?, upn: String?, detail: String) throws {
        try db.cachedStatement(sql: "INSERT INTO audit(at, actor, action, serial, upn, detail) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [now(), actor, action, serial, upn, detail])
        pendingLog.append((action, serial, upn, detail))
    }

    /// The number of methods (tokens and apps) a user holds. The statement is cached: imports ask once per new user.
    static func methodCount(_ db: Database, userKey: String) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT (SELECT count(*) FROM token WHERE user_key = ?) + (SELECT count(*) FROM app WHERE user_key = ?)"),
                         arguments: [userKey, userKey]) ?? 0
    }

    /// Refuses one more method for a user who already holds the most allowed (checked again by the triggers).
    static func requireFreeSlot(_ db: Database, upn: String) throws {
        if try methodCount(db, userKey: UPN.key(upn)) >= Schema.maxMethodsPerUser {
            throw StoreError.userLimit(upn: upn, limit: Schema.maxMethodsPerUser)
        }
    }
}
