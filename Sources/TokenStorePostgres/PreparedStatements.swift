import PostgresNIO
import TokenDomain

// The hot path's fixed statements, prepared once per connection: the server parses and plans
// them once instead of at every request (parsing was the server's largest cost in the profile).
// Each takes a batch (`StatementBatcher`) as arrays, so one text serves every batch size.

/// The operators holding these API keys, by the keys' digests: every request a program makes.
struct OperatorsByVerifier: PostgresPreparedStatement {
    static let sql = "SELECT \(PostgresStore.operatorColumns) FROM operator WHERE verifier = ANY($1::text[])"
    static let bindingDataTypes: [PostgresDataType] = [.textArray]
    let verifiers: [String]

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(verifiers)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> OperatorRecord { try PostgresStore.operatorRecord(row) }
}

/// Sign-in checks' facts: these users' activated tokens with their seeds and check state, and the
/// policy. The policy comes on every row, and on one row even when no user has a token (the token
/// columns are then NULL).
struct SignInFacts: PostgresPreparedStatement {
    static let sql = """
        SELECT t.*, p.keys, p.vals
        FROM (SELECT array_agg(key) AS keys, array_agg(value) AS vals FROM policy) p
        LEFT JOIN LATERAL (SELECT \(PostgresStore.tokenColumns), sealed_secret, first_failure_at, serial_key, user_key FROM token
                           WHERE user_key = ANY($1::text[]) AND status = 'activated') t ON true
        ORDER BY t.user_key, t.serial_key
        """
    static let bindingDataTypes: [PostgresDataType] = [.textArray]
    let userKeys: [String]

    struct Row {
        /// The user's key and one of their tokens; nil on the row of no token.
        var token: (userKey: String, record: TokenRecord)?
        var keys: [String]
        var values: [Int64]
    }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(userKeys)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let columns = row.makeRandomAccess()
        let userKey = try columns[18].decode(String?.self)
        return Row(token: try userKey.map { ($0, try PostgresStore.record(row)) },
                   keys: try columns[19].decode([String]?.self) ?? [], values: try columns[20].decode([Int64]?.self) ?? [])
    }
}

/// Sign-in checks' saves, each of at most one token: a token's new check state is saved only
/// where its row still holds the state that was read (compare-and-set), and a check's audit
/// entries are appended only when its save applied (or it saved nothing). Returns the index of
/// each check whose save applied; the others lost a race and must read again.
struct SaveChecks: PostgresPreparedStatement {
    static let sql = """
        WITH c AS (
            SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[],
                                 $4::text[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[],
                                 $10::text[], $11::bigint[], $12::bigint[], $13::bigint[], $14::bigint[], $15::bigint[], $16::bigint[])
                AS c(m, serial_key, user_key, b_status, b_drift, b_last, b_failed, b_first, b_locked,
                     a_status, a_drift, a_last, a_failed, a_first, a_locked, at)),
        u AS (
            UPDATE token t SET status = c.a_status, drift = c.a_drift, last_used_step = c.a_last, failed_attempts = c.a_failed,
                               first_failure_at = c.a_first, locked_until = c.a_locked, updated_at = c.at
            FROM c WHERE t.serial_key = ANY($2::text[]) AND t.serial_key = c.serial_key AND t.user_key = c.user_key AND t.status = c.b_status AND t.drift = c.b_drift
              AND t.last_used_step IS NOT DISTINCT FROM c.b_last AND t.failed_attempts = c.b_failed
              AND t.first_failure_at IS NOT DISTINCT FROM c.b_first AND t.locked_until IS NOT DISTINCT FROM c.b_locked
            RETURNING c.m),
        a AS (
            INSERT INTO audit(at, actor, action, serial, upn, detail, request_id, role, client)
            SELECT e.at, e.actor, e.action, e.serial, e.upn, e.detail, e.request_id, e.role, e.client
            FROM unnest($17::bigint[], $18::bigint[], $19::text[], $20::text[], $21::text[], $22::text[], $23::text[],
                        $24::text[], $25::text[], $26::text[])
                 WITH ORDINALITY AS e(m, at, actor, action, serial, upn, detail, request_id, role, client, n)
            WHERE e.m IN (SELECT m FROM u) OR e.m NOT IN (SELECT m FROM c)
            ORDER BY e.n
            RETURNING 1)
        SELECT m FROM u
        """
    let checks: [CheckSaveRequest]

    func makeBindings() throws -> PostgresBindings {
        var member: [Int64] = [], serialKey: [String] = [], userKey: [String] = [], at: [Int64] = []
        var status = ([String](), [String]()), drift = ([Int64](), [Int64]()), failed = ([Int64](), [Int64]())
        var last = ([Int64?](), [Int64?]()), first = ([Int64?](), [Int64?]()), locked = ([Int64?](), [Int64?]())
        var entryMember: [Int64] = [], entryAt: [Int64] = [], actor: [String] = [], action: [String] = [], detail: [String] = []
        var serial: [String?] = [], upn: [String?] = [], requestId: [String?] = [], role: [String?] = [], client: [String?] = []
        for (index, check) in checks.enumerated() {
            if let save = check.save {
                member.append(Int64(index)); serialKey.append(save.serialKey); userKey.append(check.userKey); at.append(check.at)
                status.0.append(save.before.status.rawValue); status.1.append(save.after.status.rawValue)
                drift.0.append(Int64(save.before.drift)); drift.1.append(Int64(save.after.drift))
                last.0.append(save.before.lastUsedStep); last.1.append(save.after.lastUsedStep)
                failed.0.append(Int64(save.before.failedAttempts)); failed.1.append(Int64(save.after.failedAttempts))
                first.0.append(save.before.firstFailureAt); first.1.append(save.after.firstFailureAt)
                locked.0.append(save.before.lockedUntil); locked.1.append(save.after.lockedUntil)
            }
            for entry in check.audit {
                entryMember.append(Int64(index)); entryAt.append(entry.at); actor.append(entry.actor); action.append(entry.action)
                serial.append(entry.serial); upn.append(entry.upn); detail.append(entry.detail)
                requestId.append(entry.requestId); role.append(entry.role); client.append(entry.client)
            }
        }
        var bindings = PostgresBindings(capacity: 26)
        bindings.append(member); bindings.append(serialKey); bindings.append(userKey)
        bindings.append(status.0); bindings.append(drift.0); bindings.append(NullableArray(last.0)); bindings.append(failed.0)
        bindings.append(NullableArray(first.0)); bindings.append(NullableArray(locked.0))
        bindings.append(status.1); bindings.append(drift.1); bindings.append(NullableArray(last.1)); bindings.append(failed.1)
        bindings.append(NullableArray(first.1)); bindings.append(NullableArray(locked.1)); bindings.append(at)
        bindings.append(entryMember); bindings.append(entryAt); bindings.append(actor); bindings.append(action)
        bindings.append(NullableArray(serial)); bindings.append(NullableArray(upn)); bindings.append(detail)
        bindings.append(NullableArray(requestId)); bindings.append(NullableArray(role)); bindings.append(NullableArray(client))
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Int64 { try row.decode(Int64.self) }
}
