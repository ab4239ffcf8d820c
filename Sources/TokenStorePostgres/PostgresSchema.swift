import TokenDomain

/// The PostgreSQL store's tables, created and upgraded by numbered migrations (`schema_migration`
/// records which ran). The rules' guards live in the database too, so two nodes cannot both win:
/// a unique serial key, CHECK constraints on interval, hash, digits and status, and a trigger that
/// refuses a user's sixth method (under the user's lock: see `PostgresStore.perform`).
enum PostgresSchema {
    /// Each migration's statements, in order; never edit one that has shipped, add the next.
    static let migrations: [[String]] = [
        [
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value BYTEA NOT NULL)",
            """
            CREATE TABLE batch (
                id BIGSERIAL PRIMARY KEY, file_name TEXT NOT NULL, sha256 TEXT NOT NULL, rows_read BIGINT NOT NULL,
                accepted BIGINT NOT NULL, rejected BIGINT NOT NULL, added BIGINT NOT NULL, unchanged BIGINT NOT NULL,
                assigned BIGINT NOT NULL, atomic BOOLEAN NOT NULL, created_at BIGINT NOT NULL, actor TEXT NOT NULL)
            """,
            """
            CREATE TABLE token (
                id BIGSERIAL PRIMARY KEY,
                serial TEXT NOT NULL,
                serial_key TEXT NOT NULL UNIQUE,
                sealed_secret BYTEA NOT NULL,
                secret_fp BYTEA,
                interval BIGINT NOT NULL CHECK (interval IN (30, 60)),
                hash TEXT NOT NULL CHECK (hash IN ('sha1', 'sha256', 'sha512')),
                digits BIGINT NOT NULL CHECK (digits IN (6, 8)),
                manufacturer TEXT NOT NULL,
                model TEXT NOT NULL,
                upn TEXT,
                user_key TEXT,
                status TEXT NOT NULL CHECK (status IN ('available', 'assigned', 'activated', 'failedActivation')),
                drift BIGINT NOT NULL DEFAULT 0,
                last_used_step BIGINT,
                failed_attempts BIGINT NOT NULL DEFAULT 0,
                first_failure_at BIGINT,
                locked_until BIGINT,
                batch_id BIGINT REFERENCES batch(id),
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL,
                CHECK ((upn IS NULL) = (user_key IS NULL)),
                CHECK (upn IS NOT NULL OR status = 'available'))
            """,
            "CREATE INDEX token_user ON token(user_key)",
            "CREATE INDEX token_secret_fp ON token(secret_fp)",
            """
            CREATE TABLE app (
                id BIGSERIAL PRIMARY KEY, upn TEXT NOT NULL, user_key TEXT NOT NULL, name TEXT NOT NULL,
                created_at BIGINT NOT NULL, UNIQUE (user_key, name))
            """,
            """
            CREATE TABLE audit (
                id BIGSERIAL PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,
                serial TEXT, upn TEXT, detail TEXT NOT NULL DEFAULT '', request_id TEXT)
            """,
            "CREATE INDEX audit_serial ON audit(lower(serial))",
            "CREATE INDEX audit_upn ON audit(lower(upn))",
            "CREATE TABLE policy (key TEXT PRIMARY KEY, value BIGINT NOT NULL)",
            // A sixth method is refused here whatever wrote it. Outside an import the trigger first
            // takes the user's lock, so two transactions adding one user's fifth method wait for
            // each other and the second counts the first's row. An import (`oathctl.bulk`) holds the
            // store's ownership lock instead and checks its users once, set-wise, before committing.
            """
            CREATE FUNCTION oathctl_method_limit() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.user_key IS NULL OR current_setting('oathctl.bulk', true) = 'on' THEN RETURN NEW; END IF;
                IF TG_TABLE_NAME = 'token' AND TG_OP = 'UPDATE' THEN
                    IF OLD.user_key IS NOT DISTINCT FROM NEW.user_key THEN RETURN NEW; END IF;
                END IF;
                PERFORM pg_advisory_xact_lock(hashtextextended('oathctl.user:' || NEW.user_key, 0));
                IF (SELECT count(*) FROM token WHERE user_key = NEW.user_key)
                   + (SELECT count(*) FROM app WHERE user_key = NEW.user_key) >= \(MethodLimit.perUser) THEN
                    RAISE EXCEPTION 'user_token_limit: a user holds at most \(MethodLimit.perUser) OATH tokens or authenticator apps'
                        USING ERRCODE = 'check_violation';
                END IF;
                RETURN NEW;
            END $$
            """,
            "CREATE TRIGGER token_method_limit BEFORE INSERT OR UPDATE OF user_key ON token FOR EACH ROW EXECUTE FUNCTION oathctl_method_limit()",
            "CREATE TRIGGER app_method_limit BEFORE INSERT ON app FOR EACH ROW EXECUTE FUNCTION oathctl_method_limit()",
        ] + policyRows,
        [
            // Operators: people (a password hash) and programs (an API key's digest), with roles;
            // and the login and session settings of the policy.
            """
            CREATE TABLE operator (
                name TEXT PRIMARY KEY,
                role TEXT NOT NULL CHECK (role IN ('admin', 'helpdesk', 'auditor', 'verifier')),
                kind TEXT NOT NULL CHECK (kind IN ('person', 'program')),
                disabled BOOLEAN NOT NULL DEFAULT false,
                verifier TEXT NOT NULL UNIQUE,
                failed_logins BIGINT NOT NULL DEFAULT 0,
                first_failure_at BIGINT,
                locked_until BIGINT,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL)
            """,
        ] + policyRows,
        [
            // People's login sessions, as digests of their ids and CSRF tokens.
            """
            CREATE TABLE session (
                id_digest TEXT PRIMARY KEY,
                csrf_digest TEXT NOT NULL,
                operator TEXT NOT NULL REFERENCES operator(name) ON DELETE CASCADE,
                created_at BIGINT NOT NULL,
                last_seen_at BIGINT NOT NULL)
            """,
            "CREATE INDEX session_operator ON session(operator)",
        ],
        [
            // Through the server, each audit entry names the operator's role and the client's address.
            "ALTER TABLE audit ADD COLUMN role TEXT, ADD COLUMN client TEXT",
        ],
        [
            // Each import's error report, kept with its batch (written in the import's transaction).
            "CREATE TABLE batch_report (batch_id BIGINT PRIMARY KEY REFERENCES batch(id), csv BYTEA NOT NULL)",
        ],
        [
            // A sign-in check's compare-and-save found a token changed since it was read: undo the
            // statement and let the check run again (see `PostgresStore.performSignInCheck`).
            """
            CREATE FUNCTION oathctl_changed_under_check() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
            BEGIN
                RAISE EXCEPTION 'a token changed while its sign-in check ran' USING ERRCODE = 'serialization_failure';
            END $$
            """,
        ],
    ]

    /// A row for every policy setting not yet stored, at its default.
    private static var policyRows: [String] {
        Policy.Setting.allCases.map { "INSERT INTO policy(key, value) VALUES ('\($0.rawValue)', \($0.defaultValue)) ON CONFLICT DO NOTHING" }
    }
}
