import Logging
import PostgresNIO
import TokenDomain
import TokenService

/// Sign-in checks without a held lock, in two statements shared by the checks running at once.
///
/// A sign-in check (`TransactionReads` naming only a user's activated tokens) is the hot path: a
/// VPN gateway sends thousands. Under `perform`'s locking transaction it costs BEGIN, the locks,
/// the reads, the policy, each update, the audit and COMMIT, each a round trip to the server.
/// Here it is one statement that reads the tokens and the policy, then `decide`, then one
/// statement that saves the token's new check state *only where the row still holds the state
/// that was read* (compare-and-set) and appends the audit entries only if it did. Concurrent
/// checks share both statements (`StatementBatcher`): one read for all their users, one save for
/// all their tokens, one commit. When another node (or request) changed the row in between, the
/// save does not apply, its audit entries are not written, and the check runs again from the
/// read: so a fresh code is accepted once across nodes (the second finds `last_used_step` moved
/// and is refused as a replay), each denial is counted, and an audit entry commits with its
/// change or not at all, exactly as under the lock. A check that saves several tokens saves them
/// in a statement of its own that applies all or none (`compareAndSaveSQL`). After a few lost
/// races in a row the check falls back to the locking transaction, which always completes.
extension PostgresStore {
    /// Lost races before the locking transaction takes over.
    static let optimisticAttempts = 4

    /// Whether `reads` is a sign-in check this path serves: a user's activated tokens and nothing else.
    static func isSignInCheck(_ reads: TransactionReads) -> Bool {
        reads.activatedTokens && reads.userKey != nil && reads.serial == nil && reads.appName == nil && reads.operatorName == nil
            && !reads.operators && reads.sessionDigest == nil
    }

    /// The sign-in check; nil when it lost every race (or `decide` asked for more than saving the
    /// tokens it read), and the caller must run the locking transaction.
    func performSignInCheck<T>(_ reads: TransactionReads, _ decide: (TransactionFacts) throws -> Decision<T>) async throws -> T? {
        guard let userKey = reads.userKey else { return nil }
        for _ in 0..<Self.optimisticAttempts {
            let read = try await signInReads.submit(userKey) { try await readSignInFacts($0) }
            let decision = try decide(TransactionFacts(token: nil, methodCount: 0, appExists: false, policy: read.policy,
                                                       activatedTokens: read.tokens))
            guard let saves = Self.checkSaves(decision.changes, read: read.tokens) else { return nil }
            if saves.isEmpty, decision.audit.isEmpty { return decision.result }
            let saved = saves.count > 1
                ? try await saveTogether(saves, audit: decision.audit, userKey: userKey, at: reads.at)
                : try await signInSaves.submit(CheckSaveRequest(userKey: userKey, at: reads.at, save: saves.first, audit: decision.audit)) {
                    try await saveChecks($0)
                }
            if saved { return decision.result }
        }
        return nil
    }

    /// SQLSTATE `serialization_failure`: a row changed between the read and the save.
    static let changedUnderCheck = "40001"

    /// What a sign-in check read: the user's activated tokens (by serial key) and the policy.
    struct SignInRead: Sendable {
        let tokens: [TokenRecord]
        let policy: Policy
    }

    /// Each user's sign-in facts, in one prepared statement for them all.
    private func readSignInFacts(_ userKeys: [String]) async throws -> [SignInRead] {
        try await statement(on: signInReadConnection) { connection in
            var tokens: [String: [TokenRecord]] = [:], policy: Policy?
            for try await row in try await connection.execute(SignInFacts(userKeys: userKeys), logger: logger) {
                if let (userKey, record) = row.token { tokens[userKey, default: []].append(record) }
                if policy == nil { policy = Policy(stored: zip(row.keys, row.values.map { Int($0) })) }
            }
            return userKeys.map { SignInRead(tokens: tokens[$0] ?? [], policy: policy ?? Policy()) }
        }
    }

    /// Whether each check's save applied, in one prepared statement for them all.
    private func saveChecks(_ checks: [CheckSaveRequest]) async throws -> [Bool] {
        let applied = try await statement(on: signInSaveConnection) { connection in
            var applied = Set<Int64>()
            for try await member in try await connection.execute(SaveChecks(checks: checks), logger: logger) { applied.insert(member) }
            return applied
        }
        return checks.indices.map { checks[$0].save == nil || applied.contains(Int64($0)) }
    }

    /// Saves several tokens of one check, all or none; false when one of them changed since it was read.
    private func saveTogether(_ saves: [CheckSave], audit: [AuditEntry], userKey: String, at: Int64) async throws -> Bool {
        let binds = try Self.compareAndSaveBinds(saves, audit: audit, userKey: userKey, at: at)
        let sql = Self.compareAndSaveSQL(saves: saves.count, audits: audit.count)
        return try await statement { connection in
            do {
                _ = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger).collect()
                return true
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == Self.changedUnderCheck {
                return false
            }
        }
    }

    /// A token's check state as read, and as it is to be saved.
    struct CheckSave: Sendable {
        let serialKey: String
        let before: CodeCheck.State
        let after: CodeCheck.State
    }

    /// The changes as saves of tokens that were read; nil when any change is something else.
    private static func checkSaves(_ changes: [StoreChange], read tokens: [TokenRecord]) -> [CheckSave]? {
        var saves: [CheckSave] = []
        for change in changes {
            guard case let .saveCheck(serial, state) = change,
                  let record = tokens.first(where: { Serial.key($0.token.serial) == Serial.key(serial) }) else { return nil }
            saves.append(CheckSave(serialKey: Serial.key(serial), before: record.check, after: state))
        }
        return saves
    }

    /// The compare-and-save statement: every save applies only to a row of the user still holding
    /// its `before` state; when fewer rows than saves matched, `oathctl_changed_under_check()`
    /// raises 40001 and the whole statement (updates and audit rows) is undone. Its text depends
    /// only on how many saves and audit entries it carries; its binds follow `compareAndSaveBinds`.
    static func compareAndSaveSQL(saves: Int, audits: Int) -> String {
        var next = 0
        func placeholders(_ types: [String]) -> String {
            "(" + types.map { type in next += 1; return "$\(next)::\(type)" }.joined(separator: ", ") + ")"
        }
        let state = ["text", "bigint", "bigint", "bigint", "bigint", "bigint"]
        let changed = (0..<saves).map { _ in placeholders(["text"] + state + state) }
        var parts: [String] = []
        if saves > 0 {
            parts.append("""
                c(serial_key, b_status, b_drift, b_last, b_failed, b_first, b_locked, a_status, a_drift, a_last, a_failed, a_first, a_locked)
                AS (VALUES \(changed.joined(separator: ", "))),
                u AS (UPDATE token t SET status = c.a_status, drift = c.a_drift, last_used_step = c.a_last, failed_attempts = c.a_failed,
                             first_failure_at = c.a_first, locked_until = c.a_locked, updated_at = $\(next + 1)::bigint
                      FROM c WHERE t.serial_key = c.serial_key AND t.user_key = $\(next + 2)::text AND t.status = c.b_status
                        AND t.drift = c.b_drift AND t.last_used_step IS NOT DISTINCT FROM c.b_last AND t.failed_attempts = c.b_failed
                        AND t.first_failure_at IS NOT DISTINCT FROM c.b_first AND t.locked_until IS NOT DISTINCT FROM c.b_locked
                      RETURNING 1)
                """)
            next += 2
        }
        if audits > 0 {
            let rows = (0..<audits).map { _ in placeholders(["bigint", "text", "text", "text", "text", "text", "text", "text", "text"]) }
            parts.append("""
                a AS (INSERT INTO audit(at, actor, action, serial, upn, detail, request_id, role, client)
                      VALUES \(rows.joined(separator: ", ")) RETURNING 1)
                """)
        }
        let check = saves > 0
            ? "SELECT CASE WHEN (SELECT count(*) FROM u) = \(saves) THEN 0 ELSE oathctl_changed_under_check() END"
            : "SELECT count(*) FROM a"
        return "WITH " + parts.joined(separator: ",\n") + "\n" + check
    }

    /// The values for `compareAndSaveSQL`, in its placeholders' order.
    static func compareAndSaveBinds(_ saves: [CheckSave], audit: [AuditEntry], userKey: String, at: Int64) throws -> PostgresBindings {
        var binds = PostgresBindings()
        for save in saves {
            binds.append(save.serialKey)
            for state in [save.before, save.after] {
                binds.append(state.status.rawValue)
                binds.append(Int64(state.drift))
                binds.append(state.lastUsedStep)
                binds.append(Int64(state.failedAttempts))
                binds.append(state.firstFailureAt)
                binds.append(state.lockedUntil)
            }
        }
        if !saves.isEmpty {
            binds.append(at)
            binds.append(userKey)
        }
        for entry in audit {
            binds.append(entry.at)
            for text in [entry.actor, entry.action] { binds.append(text) }
            for text in [entry.serial, entry.upn, Optional(entry.detail), entry.requestId, entry.role, entry.client] { binds.append(text) }
        }
        return binds
    }
}

/// One sign-in check's save for `SaveChecks`: at most one token, and the check's audit entries.
struct CheckSaveRequest: Sendable {
    let userKey: String
    let at: Int64
    let save: PostgresStore.CheckSave?
    let audit: [AuditEntry]
}
