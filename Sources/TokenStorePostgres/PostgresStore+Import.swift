import Foundation
import OATHCore
import PostgresNIO
import SecretSealing
import TokenDomain
import TokenImport
import TokenService

extension PostgresStore {
    /// Validates a token file against the store and stores the accepted rows, in one transaction.
    ///
    /// The transaction holds the ownership lock exclusively (no assign or app can change who owns
    /// what meanwhile), reads the store's facts once (`PreloadedStoreView`), and streams the new
    /// tokens with COPY straight into `token` while the file is still being read on another thread.
    /// Assignments of stored tokens and the audit rows follow as set-wise statements; then one query
    /// checks that no user holds more than the limit (the trigger stands aside during an import).
    public func importTokens(_ input: TokenInput, validator: FileValidator, options: ImportOptions,
                             handlers: FileValidator.Handlers, stamp: AuditStamp) async throws -> ImportResult {
        do {
            return try await transaction { connection in
                try await importInTransaction(connection, input, validator: validator, options: options, handlers: handlers, stamp: stamp)
            }
        } catch let rollback as Rollback {
            var result = rollback.result
            result.committed = false
            result.batch = nil
            return result
        }
    }

    /// Thrown inside the transaction to undo it while keeping the counts for the summary.
    struct Rollback: Error {
        var result: ImportResult
    }

    private func importInTransaction(_ connection: PostgresConnection, _ input: TokenInput, validator: FileValidator,
                                     options: ImportOptions, handlers: FileValidator.Handlers, stamp: AuditStamp) async throws -> ImportResult {
        try await connection.query("SELECT pg_advisory_xact_lock(\(Self.ownershipLock))", logger: logger)
        try await connection.query("SET LOCAL oathctl.bulk = 'on'", logger: logger)
        let batch = try await connection.query("""
            INSERT INTO batch(file_name, sha256, rows_read, accepted, rejected, added, unchanged, assigned, atomic, created_at, actor)
            VALUES (\(options.fileName), \(options.sha256), 0, 0, 0, 0, 0, 0, \(options.atomic), \(stamp.at), \(stamp.actor)) RETURNING id
            """, logger: logger).collect().first?.decode(Int64.self) ?? 0
        var validator = validator
        validator.store = try await preload(connection)
        let pass = ImportPass(input: input, validator: validator, handlers: handlers, vault: vault, batch: batch, stamp: stamp,
                              sha256: options.sha256)
        try await connection.copyFrom(table: "token", columns: TokenCopyRow.columns, logger: logger) { writer in
            pass.start()
            do {
                for try await chunk in pass.pipe.chunks {
                    pass.pipe.taken()
                    try await writer.write(chunk)
                }
            } catch {
                pass.pipe.abandon()
                pass.wait()
                throw error
            }
        }
        pass.wait()
        var result = try pass.outcome()
        let assigned = AuditEvent.assignedByImport(batch: batch), added = AuditEvent.added(batch: batch)
        if !pass.assignments.isEmpty {
            let serialKeys = pass.assignments.map(\.serialKey), upns = pass.assignments.map(\.upn)
            let userKeys = upns.map(UPN.key)
            try await connection.query("""
                UPDATE token SET upn = a.upn, user_key = a.user_key, status = 'assigned', updated_at = \(stamp.at)
                FROM unnest(\(serialKeys)::text[], \(upns)::text[], \(userKeys)::text[]) AS a(serial_key, upn, user_key)
                WHERE token.serial_key = a.serial_key
                """, logger: logger)
            try await connection.query("""
                INSERT INTO audit(at, actor, action, serial, upn, detail, request_id, role, client)
                SELECT \(stamp.at), \(stamp.actor), \(assigned.action), token.serial, token.upn, \(assigned.detail), \(stamp.requestId),
                       \(stamp.role), \(stamp.client)
                FROM unnest(\(serialKeys)::text[]) WITH ORDINALITY AS a(serial_key, n) JOIN token USING (serial_key) ORDER BY a.n
                """, logger: logger)
        }
        try await connection.query("""
            INSERT INTO audit(at, actor, action, serial, upn, detail, request_id, role, client)
            SELECT \(stamp.at), \(stamp.actor), \(added.action), serial, upn, \(added.detail), \(stamp.requestId), \(stamp.role), \(stamp.client)
            FROM token WHERE batch_id = \(batch) ORDER BY id
            """, logger: logger)
        if let user = try await userOverLimit(connection) {
            throw StoreError.userLimit(upn: user, limit: MethodLimit.perUser)
        }
        result.batch = batch
        if result.mustRollBack(atomic: options.atomic) { throw Rollback(result: result) }
        try await connection.query("""
            UPDATE batch SET rows_read = \(result.summary.rowsRead), accepted = \(result.summary.accepted), rejected = \(result.summary.rejected),
            added = \(result.added), unchanged = \(result.unchanged), assigned = \(result.assigned) WHERE id = \(batch)
            """, logger: logger)
        if let report = options.report {
            try await connection.query("INSERT INTO batch_report(batch_id, csv) VALUES (\(batch), \(ByteBuffer(bytes: report.csv)))", logger: logger)
        }
        try await Self.append([stamp.entry(.imported(result.tally(batch: batch, fileName: options.fileName)))], connection, logger: logger)
        return result
    }

    /// The store's facts for the file rules, read under the import's lock; nothing when it is empty.
    private func preload(_ connection: PostgresConnection) async throws -> PreloadedStoreView {
        let empty = try await connection.query("SELECT NOT EXISTS (SELECT 1 FROM token) AND NOT EXISTS (SELECT 1 FROM app)", logger: logger)
            .collect().first?.decode(Bool.self) ?? true
        var view = PreloadedStoreView(vault: vault, isKnownEmpty: empty)
        if empty { return view }
        let tokens = try await connection.query("SELECT serial_key, serial, upn, sealed_secret, secret_fp FROM token", logger: logger)
        for try await (key, serial, upn, sealed, print) in tokens.decode((String, String, String?, ByteBuffer, ByteBuffer?).self) {
            view.tokens[key] = (serial, upn, Array(sealed.readableBytesView))
            if let print { view.fingerprints[Array(print.readableBytesView)] = serial }
        }
        let methods = try await connection.query("""
            SELECT user_key, count(*) FROM (SELECT user_key FROM token WHERE user_key IS NOT NULL UNION ALL SELECT user_key FROM app) m
            GROUP BY user_key
            """, logger: logger)
        for try await (user, count) in methods.decode((String, Int).self) { view.methods[user] = count }
        return view
    }

    /// A user who holds more than the method limit, if the import left one (the database's own check).
    private func userOverLimit(_ connection: PostgresConnection) async throws -> String? {
        try await connection.query("""
            SELECT user_key FROM (SELECT user_key FROM token WHERE user_key IS NOT NULL UNION ALL SELECT user_key FROM app) m
            GROUP BY user_key HAVING count(*) > \(MethodLimit.perUser) LIMIT 1
            """, logger: logger).collect().first?.decode(String.self)
    }
}

/// The file pass of a PostgreSQL import, on its own thread: validates, seals each new token and
/// writes it as a COPY line into `pipe`; keeps the assignments of stored tokens for afterwards.
private final class ImportPass: @unchecked Sendable {
    // @unchecked: the thread alone touches the mutable state until `finished` is signalled;
    // the task reads it only after `wait()`.
    let pipe = ChunkPipe()
    private let input: TokenInput
    private let validator: FileValidator
    private var handlers: FileValidator.Handlers
    private let vault: Vault
    private let batch: Int64
    private let stamp: AuditStamp
    private var result: ImportResult
    private var failure: Error?
    private(set) var assignments: [(serialKey: String, upn: String)] = []
    private let finished = DispatchSemaphore(value: 0)
    private var started = false

    /// COPY data handed over per chunk: large enough that the handoff is rare.
    private static let chunkBytes = 256 * 1024

    init(input: TokenInput, validator: FileValidator, handlers: FileValidator.Handlers, vault: Vault, batch: Int64,
         stamp: AuditStamp, sha256: String) {
        self.input = input
        self.validator = validator
        self.handlers = handlers
        self.vault = vault
        self.batch = batch
        self.stamp = stamp
        result = ImportResult(summary: ValidationSummary(), batch: batch, committed: true, sha256: sha256)
    }

    func start() {
        started = true
        Thread { [self] in
            run()
            finished.signal()
        }.start()
    }

    /// Waits for the thread (if it was started).
    func wait() {
        if started {
            finished.wait()
            started = false
        }
    }

    func outcome() throws -> ImportResult {
        if let failure { throw failure }
        return result
    }

    private func run() {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(Self.chunkBytes + 4096)
        var handlers = handlers
        handlers.accepted = { [self] token in
            switch token.storeAction {
            case .unchanged:
                result.unchanged += 1
            case .assign:
                result.assigned += 1
                assignments.append((Serial.key(token.serial), token.upn ?? ""))
            case .add:
                result.added += 1
                let record = TokenRecord(
                    token: Token(serial: token.serial, upn: token.upn, status: token.upn == nil ? .available : .assigned,
                                 interval: token.interval, hash: token.hash.rawValue, digits: token.digits,
                                 manufacturer: token.manufacturer, model: token.model, batch: batch,
                                 createdAt: stamp.at, updatedAt: stamp.at),
                    sealed: vault.box.seal(token.secret, serial: token.serial), firstFailureAt: nil,
                    fingerprint: vault.fingerprint.of(token.secret))
                TokenCopyRow.write(record, into: &buffer)
                if buffer.readableBytes >= Self.chunkBytes {
                    try pipe.send(buffer)
                    buffer = ByteBuffer()
                    buffer.reserveCapacity(Self.chunkBytes + 4096)
                }
            }
        }
        do {
            result.summary = try input.validate(with: validator, handlers: handlers)
            if buffer.readableBytes > 0 { try pipe.send(buffer) }
            pipe.finish()
        } catch {
            failure = error
            pipe.finish(throwing: error)
        }
    }
}
