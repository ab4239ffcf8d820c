import Foundation
import GRDB
import SecretSealing
import TokenDomain
import TokenService

/// The embedded backend: one SQLite file through GRDB, the default for one admin on one machine.
///
/// Every write runs in one IMMEDIATE transaction, so two processes never interleave their writes and
/// a killed process leaves the store as it was before or after. The file is in WAL mode with
/// `synchronous = FULL`: a commit is one append and one sync of the `-wal` file, durable before it
/// returns, and readers never wait for a writer. The service's transactions are grouped
/// (`GroupCommit`): those that arrive together share one transaction and one commit. It holds no
/// rule (`TokenService` decides); its triggers and CHECK constraints guard what the rules say. Its
/// fast paths (the import's writer thread and deferred indexes, find's block reader) are its own business.
public final class TokenStore: TokenRepository {
    /// A queue (one connection) for a command; a pool (one writer, readers beside it) for the server.
    let db: any DatabaseWriter
    let vault: Vault
    public let path: String
    public var location: String { path }
    /// The service's write transactions, grouped under one commit.
    let groupCommit: GroupCommit
    /// Whether imports are staged (`StagedImport`): on a pool, where others read and write beside them.
    let stagesImports: Bool
    /// One staged import at a time in this process.
    let importGate = NSLock()

    private init(db: any DatabaseWriter, vault: Vault, path: String) {
        self.db = db
        self.vault = vault
        self.path = path
        groupCommit = GroupCommit(db: db) { error in (error as? DatabaseError).map(TokenStore.translate) ?? error }
        stagesImports = db is DatabasePool
    }

    /// Creates a new store file (mode 0600) with a key check, so a wrong key is caught on open.
    ///
    /// - Parameter entry: the first audit entry (`store.init`), or nil for a store `store copy` fills.
    public static func create(path: String, vault: Vault, entry: AuditEntry?) throws -> TokenStore {
        makePrivateParentDirectory(of: path)
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            if errno == EEXIST { throw StoreError.storeExists(path: path) }
            throw StoreError.notAStore(path: path, reason: String(cString: strerror(errno)))
        }
        _ = Glibc.close(fd)
        do {
            let store = TokenStore(db: try connect(path, concurrentReads: false), vault: vault, path: path)
            try Schema.migrator.migrate(store.db)
            try store.write { db in
                try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('key_check', ?)", arguments: [Data(vault.makeKeyCheck())])
                if let entry { try Self.append([entry], db) }
            }
            return store
        } catch {
            unlink(path)
            throw StoreError.database("\(error)")
        }
    }

    /// Opens an existing store, upgrading its schema, and checks that the vault's key is its key.
    ///
    /// - Parameter concurrentReads: readers on their own connections beside the writer (the
    ///   server, where a request's reads must not wait for another's commit); a command has one connection.
    public static func open(path: String, vault: Vault, concurrentReads: Bool = false) throws -> TokenStore {
        var info = stat()
        guard stat(path, &info) == 0 else { throw StoreError.storeMissing(path: path) }
        // SQLite would take an empty file for an empty database and write a new store into it.
        if (info.st_mode & S_IFMT) == S_IFREG, info.st_size == 0 {
            throw StoreError.notAStore(path: path, reason: "it is empty (0 bytes); a store is made by 'oathctl init'")
        }
        let store: TokenStore
        do {
            store = TokenStore(db: try connect(path, concurrentReads: concurrentReads), vault: vault, path: path)
            try Schema.migrator.migrate(store.db)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw StoreError.notAStore(path: path, reason: "not an SQLite database")
        } catch {
            throw StoreError.notAStore(path: path, reason: "\(error)")
        }
        let check = try store.db.read { db in try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'key_check'") }
        guard let check else { throw StoreError.notAStore(path: path, reason: "it has no key check") }
        guard vault.opens(keyCheck: Array(check)) else { throw StoreError.wrongKey }
        try store.fillMissingFingerprints()
        try store.removeAbandonedImports()
        return store
    }

    /// Folds the `-wal` file back into the store file and empties it, then closes the connections:
    /// a copy of the store file alone is then the whole store. (A pool closes its writer before its
    /// read-only readers, so the close alone would leave the log to the next open.)
    public func close() async {
        try? await db.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        try? db.close()
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
                guard let secret = try? vault.box.open(Array(row["sealed_secret"] as Data), serial: serial) else { throw StoreError.wrongKey }
                try db.execute(sql: "UPDATE token SET secret_fp = ? WHERE id = ?",
                               arguments: [Data(vault.fingerprint.of(secret)), row["id"] as Int64])
            }
        }
    }

    private static func connect(_ path: String, concurrentReads: Bool) throws -> any DatabaseWriter {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.foreignKeysEnabled = true
        configuration.prepareDatabase { db in
            // Deleted rows are overwritten with zeros, so a deleted token leaves no sealed secret in free pages.
            try db.execute(sql: "PRAGMA secure_delete = ON")
            // Statement journals (an import's multi-row inserts) stay in memory, not in /var/tmp files.
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
        }
        let db: any DatabaseWriter = concurrentReads
            ? try DatabasePool(path: path, configuration: configuration)
            : try DatabaseQueue(path: path, configuration: configuration)
        try db.writeWithoutTransaction { db in
            // WAL is a property of the file: set once, every later connection (any process) uses it.
            guard try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") == "wal" else {
                throw StoreError.database("the store cannot use a write-ahead log here (a read-only or network file system?)")
            }
            // A commit returns only once its log is synced (GRDB's pool sets NORMAL, which a power cut can undo).
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // A large import's log is cut back to 64 MiB once folded into the store.
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
        }
        return db
    }

    /// Runs `body` in a read transaction, on the calling thread: for the work that runs on a
    /// service lane (find, export, copy), whose thread may block.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try db.read(body)
    }

    /// Runs `body` in a read transaction on one of GRDB's reader queues: the calling task suspends
    /// rather than block a thread of Swift's pool, which the server's sign-in checks run on. On a
    /// service lane it reads on the lane's own low-priority thread instead (an audit page of 10,000
    /// entries read on GRDB's queue took CPU from sign-in checks at normal priority).
    func fetch<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        if WorkLane.current != nil { return try read(body) }
        return try await db.read(body)
    }

    /// Runs `body` in one IMMEDIATE transaction (the write lock is taken before the first read).
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try db.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result!
            }
        } catch let error as DatabaseError {
            throw Self.translate(error)
        }
    }

    /// Turns trigger refusals into typed errors.
    static func translate(_ error: DatabaseError) -> Error {
        // SQLITE_FULL: the transaction was rolled back, the file is as before.
        if error.resultCode == .SQLITE_FULL { return StoreError.storeFull }
        if let message = error.message, message.hasPrefix("user_token_limit") {
            return StoreError.userLimit(upn: "the user", limit: MethodLimit.perUser)
        }
        return StoreError.database(error.message ?? "\(error.resultCode)")
    }

    /// Appends audit entries (their ids are the table's; an entry with a nonzero id keeps it, for `store copy`).
    static func append(_ entries: [AuditEntry], _ db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO audit(id, at, actor, action, serial, upn, detail, request_id, role, client) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for entry in entries {
            try statement.execute(arguments: [entry.id == 0 ? nil : entry.id, entry.at, entry.actor, entry.action, entry.serial,
                                              entry.upn, entry.detail, entry.requestId, entry.role, entry.client])
        }
    }

    /// The number of methods (tokens and apps) a user holds. The statement is cached: imports ask once per new user.
    static func methodCount(_ db: Database, userKey: String) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT (SELECT count(*) FROM token WHERE user_key = ?) + (SELECT count(*) FROM app WHERE user_key = ?)"),
                         arguments: [userKey, userKey]) ?? 0
    }
}
