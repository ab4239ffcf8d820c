import GRDB
import TokenDomain

/// The store's tables, created and upgraded by migrations.
///
/// The upload rules hold in the database too, not only in Swift: a serial is unique (one user per
/// token), triggers refuse a sixth method for a user, and CHECK constraints hold intervals to 30/60.
enum Schema {
    private static let methods = "(SELECT count(*) FROM token WHERE user_key = NEW.user_key) + (SELECT count(*) FROM app WHERE user_key = NEW.user_key)"
    private static let refuse = "SELECT RAISE(ABORT, 'user_token_limit: a user holds at most \(MethodLimit.perUser) OATH tokens or authenticator apps')"

    /// Refuses a token for a user who already holds the most methods. An import lifts it inside
    /// its own transaction and puts it back before committing (see `TokenStore.importTokens`).
    static let tokenLimitInsertTrigger = """
        CREATE TRIGGER token_limit_insert BEFORE INSERT ON token
        WHEN NEW.user_key IS NOT NULL AND \(methods) >= \(MethodLimit.perUser)
        BEGIN \(refuse); END;
        """

    /// The limit on assigning a token and on adding an app.
    private static let otherLimitTriggers = """
        CREATE TRIGGER token_limit_assign BEFORE UPDATE OF user_key ON token
        WHEN NEW.user_key IS NOT NULL AND OLD.user_key IS NOT NEW.user_key AND \(methods) >= \(MethodLimit.perUser)
        BEGIN \(refuse); END;
        CREATE TRIGGER app_limit_insert BEFORE INSERT ON app
        WHEN \(methods) >= \(MethodLimit.perUser)
        BEGIN \(refuse); END;
        """

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);
                CREATE TABLE batch (
                    id INTEGER PRIMARY KEY,
                    file_name TEXT NOT NULL,
                    sha256 TEXT NOT NULL,
                    rows_read INTEGER NOT NULL,
                    accepted INTEGER NOT NULL,
                    rejected INTEGER NOT NULL,
                    added INTEGER NOT NULL,
                    unchanged INTEGER NOT NULL,
                    assigned INTEGER NOT NULL,
                    atomic INTEGER NOT NULL,
                    created_at INTEGER NOT NULL,
                    actor TEXT NOT NULL
                );
                CREATE TABLE token (
                    id INTEGER PRIMARY KEY,
                    serial TEXT NOT NULL UNIQUE,
                    sealed_secret BLOB NOT NULL,
                    interval INTEGER NOT NULL CHECK (interval IN (30, 60)),
                    hash TEXT NOT NULL CHECK (hash IN ('sha1', 'sha256')),
                    digits INTEGER NOT NULL CHECK (digits IN (6, 8)),
                    manufacturer TEXT NOT NULL,
                    model TEXT NOT NULL,
                    upn TEXT,
                    user_key TEXT,
                    status TEXT NOT NULL CHECK (status IN ('available', 'assigned', 'activated', 'failedActivation')),
                    drift INTEGER NOT NULL DEFAULT 0,
                    last_used_step INTEGER,
                    failed_attempts INTEGER NOT NULL DEFAULT 0,
                    first_failure_at INTEGER,
                    locked_until INTEGER,
                    batch_id INTEGER REFERENCES batch(id),
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    CHECK ((upn IS NULL) = (user_key IS NULL)),
                    CHECK (upn IS NOT NULL OR status = 'available')
                );
                CREATE INDEX token_user ON token(user_key);
                CREATE TABLE app (
                    id INTEGER PRIMARY KEY,
                    upn TEXT NOT NULL,
                    user_key TEXT NOT NULL,
                    name TEXT NOT NULL,
                    created_at INTEGER NOT NULL,
                    UNIQUE (user_key, name)
                );
                CREATE INDEX app_user ON app(user_key);
                CREATE TABLE audit (
                    id INTEGER PRIMARY KEY,
                    at INTEGER NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,
                    serial TEXT,
                    upn TEXT,
                    detail TEXT NOT NULL DEFAULT ''
                );
                CREATE INDEX audit_serial ON audit(serial);
                CREATE INDEX audit_upn ON audit(upn COLLATE NOCASE);
                """)
            try db.execute(sql: tokenLimitInsertTrigger)
            try db.execute(sql: otherLimitTriggers)
        }
        migrator.registerMigration("v2-policy") { db in
            try db.execute(sql: "CREATE TABLE policy (key TEXT PRIMARY KEY, value INTEGER NOT NULL)")
            for setting in Policy.Setting.allCases {
                try db.execute(sql: "INSERT OR IGNORE INTO policy(key, value) VALUES (?, ?)", arguments: [setting.rawValue, setting.defaultValue])
            }
        }
        migrator.registerMigration("v3-status-check-without-long-in-list") { db in
            // The same table with the status CHECK written as two short IN lists. SQLite checks an IN
            // list of more than two constants through a temporary B-tree that it builds and zeroes
            // each time a statement runs: for every inserted or updated token, a quarter of a
            // million-row import. The rebuild keeps every row, id, index and trigger.
            try db.execute(sql: "DROP TRIGGER token_limit_insert; DROP TRIGGER token_limit_assign; DROP TRIGGER app_limit_insert")
            try db.execute(sql: """
                CREATE TABLE token_v3 (
                    id INTEGER PRIMARY KEY,
                    serial TEXT NOT NULL UNIQUE,
                    sealed_secret BLOB NOT NULL,
                    interval INTEGER NOT NULL CHECK (interval IN (30, 60)),
                    hash TEXT NOT NULL CHECK (hash IN ('sha1', 'sha256')),
                    digits INTEGER NOT NULL CHECK (digits IN (6, 8)),
                    manufacturer TEXT NOT NULL,
                    model TEXT NOT NULL,
                    upn TEXT,
                    user_key TEXT,
                    status TEXT NOT NULL CHECK (status IN ('available', 'assigned') OR status IN ('activated', 'failedActivation')),
                    drift INTEGER NOT NULL DEFAULT 0,
                    last_used_step INTEGER,
                    failed_attempts INTEGER NOT NULL DEFAULT 0,
                    first_failure_at INTEGER,
                    locked_until INTEGER,
                    batch_id INTEGER REFERENCES batch(id),
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    CHECK ((upn IS NULL) = (user_key IS NULL)),
                    CHECK (upn IS NOT NULL OR status = 'available')
                );
                INSERT INTO token_v3 SELECT * FROM token;
                DROP TABLE token;
                ALTER TABLE token_v3 RENAME TO token;
                CREATE INDEX token_user ON token(user_key);
                """)
            try db.execute(sql: tokenLimitInsertTrigger)
            try db.execute(sql: otherLimitTriggers)
        }
        migrator.registerMigration("v4-serial-key-fingerprint-sha512") { db in
            // serial_key: the serial folded to lower case (SQLite's lower() folds ASCII only, as
            // `Serial.key` does), unique, so `Z0` and `z0` are one token; the serial is kept as given.
            // secret_fp: a keyed fingerprint of the seed (`SecretFingerprint`), to find one seed under
            // two serials without storing anything that reveals it; filled in on the next open for
            // tokens stored before (the key is needed). The hash CHECK now takes SHA-512.
            try db.execute(sql: "DROP TRIGGER token_limit_insert; DROP TRIGGER token_limit_assign; DROP TRIGGER app_limit_insert")
            try db.execute(sql: """
                CREATE TABLE token_v4 (
                    id INTEGER PRIMARY KEY,
                    serial TEXT NOT NULL,
                    serial_key TEXT NOT NULL UNIQUE,
                    sealed_secret BLOB NOT NULL,
                    secret_fp BLOB,
                    interval INTEGER NOT NULL CHECK (interval IN (30, 60)),
                    hash TEXT NOT NULL CHECK (hash IN ('sha1', 'sha256') OR hash = 'sha512'),
                    digits INTEGER NOT NULL CHECK (digits IN (6, 8)),
                    manufacturer TEXT NOT NULL,
                    model TEXT NOT NULL,
                    upn TEXT,
                    user_key TEXT,
                    status TEXT NOT NULL CHECK (status IN ('available', 'assigned') OR status IN ('activated', 'failedActivation')),
                    drift INTEGER NOT NULL DEFAULT 0,
                    last_used_step INTEGER,
                    failed_attempts INTEGER NOT NULL DEFAULT 0,
                    first_failure_at INTEGER,
                    locked_until INTEGER,
                    batch_id INTEGER REFERENCES batch(id),
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    CHECK ((upn IS NULL) = (user_key IS NULL)),
                    CHECK (upn IS NOT NULL OR status = 'available')
                );
                INSERT INTO token_v4 (id, serial, serial_key, sealed_secret, secret_fp, interval, hash, digits, manufacturer, model,
                                      upn, user_key, status, drift, last_used_step, failed_attempts, first_failure_at, locked_until,
                                      batch_id, created_at, updated_at)
                    SELECT id, serial, lower(serial), sealed_secret, NULL, interval, hash, digits, manufacturer, model,
                           upn, user_key, status, drift, last_used_step, failed_attempts, first_failure_at, locked_until,
                           batch_id, created_at, updated_at FROM token;
                DROP TABLE token;
                ALTER TABLE token_v4 RENAME TO token;
                CREATE INDEX token_user ON token(user_key);
                CREATE INDEX token_secret_fp ON token(secret_fp);
                """)
            try db.execute(sql: tokenLimitInsertTrigger)
            try db.execute(sql: otherLimitTriggers)
        }
        migrator.registerMigration("v5-audit-request-id") { db in
            // Each audit entry names the request (one per command run or HTTP request) it belongs to.
            try db.execute(sql: "ALTER TABLE audit ADD COLUMN request_id TEXT")
        }
        migrator.registerMigration("v6-operators-login-policy") { db in
            // Operators: people (a password hash) and programs (an API key's digest), with roles;
            // and the login and session settings of the policy.
            try db.execute(sql: """
                CREATE TABLE operator (
                    name TEXT PRIMARY KEY,
                    role TEXT NOT NULL CHECK (role IN ('admin', 'helpdesk') OR role IN ('auditor', 'verifier')),
                    kind TEXT NOT NULL CHECK (kind IN ('person', 'program')),
                    disabled INTEGER NOT NULL DEFAULT 0,
                    verifier TEXT NOT NULL UNIQUE,
                    failed_logins INTEGER NOT NULL DEFAULT 0,
                    first_failure_at INTEGER,
                    locked_until INTEGER,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                )
                """)
            for setting in Policy.Setting.allCases {
                try db.execute(sql: "INSERT OR IGNORE INTO policy(key, value) VALUES (?, ?)", arguments: [setting.rawValue, setting.defaultValue])
            }
        }
        migrator.registerMigration("v7-sessions") { db in
            // People's login sessions, as digests of their ids and CSRF tokens.
            try db.execute(sql: """
                CREATE TABLE session (
                    id_digest TEXT PRIMARY KEY,
                    csrf_digest TEXT NOT NULL,
                    operator TEXT NOT NULL REFERENCES operator(name) ON DELETE CASCADE,
                    created_at INTEGER NOT NULL,
                    last_seen_at INTEGER NOT NULL
                );
                CREATE INDEX session_operator ON session(operator);
                """)
        }
        migrator.registerMigration("v8-audit-role-client") { db in
            // Through the server, each audit entry names the operator's role and the client's address.
            try db.execute(sql: "ALTER TABLE audit ADD COLUMN role TEXT; ALTER TABLE audit ADD COLUMN client TEXT")
        }
        migrator.registerMigration("v9-batch-report") { db in
            // Each import's error report, kept with its batch (written in the import's transaction).
            try db.execute(sql: "CREATE TABLE batch_report (batch_id INTEGER PRIMARY KEY REFERENCES batch(id), csv BLOB NOT NULL)")
        }
        migrator.registerMigration("v10-staged-imports") { db in
            // Imports through the server are written in stages (`StagedImport`): a batch stays
            // pending, invisible, until it is published. `generation` counts the changes that could
            // undo what a staged import checked against its snapshot (who owns a token, which tokens
            // and apps exist); the import refuses to publish when it moved.
            let bump = "UPDATE meta SET value = value + 1 WHERE key = 'generation'"
            try db.execute(sql: """
                CREATE TABLE pending_batch (
                    batch_id INTEGER PRIMARY KEY REFERENCES batch(id),
                    request_id TEXT NOT NULL,
                    first_token_id INTEGER NOT NULL,
                    first_audit_id INTEGER NOT NULL,
                    lock_name TEXT NOT NULL
                );
                INSERT OR IGNORE INTO meta(key, value) VALUES ('generation', 0);
                CREATE TRIGGER generation_token_owner AFTER UPDATE OF user_key ON token BEGIN \(bump); END;
                CREATE TRIGGER generation_token_delete AFTER DELETE ON token BEGIN \(bump); END;
                CREATE TRIGGER generation_app_insert AFTER INSERT ON app BEGIN \(bump); END;
                CREATE TRIGGER generation_app_delete AFTER DELETE ON app BEGIN \(bump); END;
                """)
        }
        return migrator
    }

    /// Counts one change of the store's inventory (see `v10-staged-imports`): what an import adds in
    /// one transaction (inserts have no trigger, so a million rows do not pay for one each).
    static let bumpGeneration = "UPDATE meta SET value = value + 1 WHERE key = 'generation'"

    static func generation(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE key = 'generation'")) ?? 0
    }
}
