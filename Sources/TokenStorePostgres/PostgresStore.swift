import Foundation
import Logging
import PostgresNIO
// ConnectionPoolError, which the pool throws as it is (postgres-nio's pool module; no other way to tell it).
import _ConnectionPoolModule
import SecretSealing
import TokenDomain
import TokenService

/// The shared backend: one PostgreSQL database that several oathctl nodes use at once.
///
/// Holds no rule (`TokenService` decides). What keeps two nodes from both winning is the database:
/// every operation is one transaction; a token is read `FOR UPDATE`; an operation that gives a user
/// a method holds the user's advisory lock (and the store's ownership lock, shared), an import holds
/// the ownership lock exclusively; the unique serial key, CHECKs and the method-limit trigger refuse
/// what slips past. The master key stays a file on each node: the database holds only sealed seeds.
public final class PostgresStore: TokenRepository {
    let client: PostgresClient
    let vault: Vault
    let logger: Logger
    public let address: PostgresLocation
    public var location: String { address.description }
    /// Concurrent API-key lookups and sign-in checks' reads and saves, each sent as one statement
    /// on a connection of its own.
    let keyLookups = StatementBatcher<String, OperatorRecord?>()
    let signInReads = StatementBatcher<String, SignInRead>()
    let signInSaves = StatementBatcher<CheckSaveRequest, Bool>()
    let keyLookupConnection, signInReadConnection, signInSaveConnection: DedicatedConnection
    /// The task running the client's connection pool; cancelled by `close`.
    private let runner: Task<Void, Never>

    private init(_ address: PostgresLocation, password: String?, vault: Vault, logger: Logger) throws {
        let client = try Self.makeClient(address, password: password, logger: logger)
        let connection = try Self.connectionConfiguration(address, password: password)
        keyLookupConnection = DedicatedConnection(configuration: connection, id: 1, location: address.description, logger: logger)
        signInReadConnection = DedicatedConnection(configuration: connection, id: 2, location: address.description, logger: logger)
        signInSaveConnection = DedicatedConnection(configuration: connection, id: 3, location: address.description, logger: logger)
        self.client = client
        self.vault = vault
        self.address = address
        self.logger = logger
        runner = Task { await client.run() }
    }

    /// Seconds to wait for the server before saying it is unreachable.
    public static let connectTimeout: Int64 = 5

    /// Creates the schema in an existing, empty database and records the key check.
    ///
    /// - Parameter entry: the first audit entry (`store.init`), or nil for a store `store copy` fills.
    public static func create(_ address: PostgresLocation, password: String?, vault: Vault, entry: AuditEntry?,
                              logger: Logger = Logger(label: "oathctl.postgres")) async throws -> PostgresStore {
        try await probe(address, password: password, logger: logger) { connection in
            if try await hasSchema(connection) { throw StoreError.storeExists(path: address.description) }
        }
        let store = try PostgresStore(address, password: password, vault: vault, logger: logger)
        do {
            try await store.migrate()
            try await store.transaction { connection in
                try await connection.query("INSERT INTO meta(key, value) VALUES ('key_check', \(ByteBuffer(bytes: vault.makeKeyCheck())))", logger: logger)
                if let entry { try await Self.append([entry], connection, logger: logger) }
            }
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    /// Opens a store, upgrading its schema, and checks that the vault's key is its key.
    public static func open(_ address: PostgresLocation, password: String?, vault: Vault,
                            logger: Logger = Logger(label: "oathctl.postgres")) async throws -> PostgresStore {
        try await probe(address, password: password, logger: logger) { connection in
            guard try await hasSchema(connection) else {
                throw StoreError.notAStore(path: address.description,
                                           reason: "the database holds no oathctl store; make one with 'oathctl init --store \(address)'")
            }
        }
        let store = try PostgresStore(address, password: password, vault: vault, logger: logger)
        do {
            try await store.migrate()
            let check = try await store.client.query("SELECT value FROM meta WHERE key = 'key_check'", logger: logger)
                .collect().first.map { try $0.decode(ByteBuffer.self) }
            guard let check else { throw StoreError.notAStore(path: address.description, reason: "it has no key check") }
            guard vault.opens(keyCheck: Array(check.readableBytesView)) else { throw StoreError.wrongKey }
        } catch {
            await store.close()
            throw error
        }
        return store
    }

    /// Stops the connection pool. The store cannot be used afterwards.
    public func close() async {
        for connection in [keyLookupConnection, signInReadConnection, signInSaveConnection] { await connection.close() }
        runner.cancel()
        _ = await runner.result
    }

    /// Connects once, outside the pool, with the connect timeout: an unreachable server, a wrong
    /// password or a missing database becomes one clear error here instead of a pool that retries.
    private static func probe(_ address: PostgresLocation, password: String?, logger: Logger,
                              _ body: (PostgresConnection) async throws -> Void) async throws {
        let configuration = try connectionConfiguration(address, password: password)
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(),
                                                              configuration: configuration, id: 0, logger: logger)
        } catch {
            throw translate(error, at: address)
        }
        do {
            try await body(connection)
        } catch {
            try? await connection.close()
            throw translate(error, at: address)
        }
        try? await connection.close()
    }

    /// One connection's settings: the address, the password, TLS as the address asks, the connect timeout.
    private static func connectionConfiguration(_ address: PostgresLocation, password: String?) throws -> PostgresConnection.Configuration {
        var configuration: PostgresConnection.Configuration
        if address.isUnixSocket {
            configuration = .init(unixSocketPath: "\(address.host)/.s.PGSQL.\(address.port)", username: address.user,
                                  password: password, database: address.database)
        } else {
            configuration = .init(host: address.host, port: address.port, username: address.user, password: password,
                                  database: address.database, tls: try connectionTLS(address))
        }
        configuration.options.connectTimeout = .seconds(connectTimeout)
        return configuration
    }

    private static func makeClient(_ address: PostgresLocation, password: String?, logger: Logger) throws -> PostgresClient {
        var configuration: PostgresClient.Configuration
        if address.isUnixSocket {
            configuration = .init(unixSocketPath: "\(address.host)/.s.PGSQL.\(address.port)", username: address.user,
                                  password: password, database: address.database)
        } else {
            configuration = .init(host: address.host, port: address.port, username: address.user, password: password,
                                  database: address.database, tls: try clientTLS(address))
        }
        configuration.options.connectTimeout = .seconds(connectTimeout)
        // Enough for a server's concurrent requests; idle connections are closed, none kept open.
        configuration.options.maximumConnections = 32
        // The pool's own warnings (one about a lease asked for before `run()` got going, which then
        // waits and succeeds) would reach the command line's standard error; its failures reach
        // the caller as errors anyway.
        var background = logger
        background.logLevel = .error
        return PostgresClient(configuration: configuration, backgroundLogger: background)
    }

    private static func tlsConfiguration(_ address: PostgresLocation) throws -> TLSConfiguration? {
        switch address.tls {
        case .disable: return nil
        case .require:
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            return tls
        case .verifyFull:
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .fullVerification
            if let caFile = address.caFile { tls.trustRoots = .file(caFile) }
            return tls
        }
    }

    private static func connectionTLS(_ address: PostgresLocation) throws -> PostgresConnection.Configuration.TLS {
        guard let tls = try tlsConfiguration(address) else { return .disable }
        return .require(try NIOSSLContext(configuration: tls))
    }

    private static func clientTLS(_ address: PostgresLocation) throws -> PostgresClient.Configuration.TLS {
        guard let tls = try tlsConfiguration(address) else { return .disable }
        return .require(tls)
    }

    private static func hasSchema(_ connection: PostgresConnection) async throws -> Bool {
        let rows = try await connection.query("SELECT to_regclass('meta') IS NOT NULL AND to_regclass('schema_migration') IS NOT NULL",
                                              logger: Logger(label: "oathctl.postgres")).collect()
        return try rows.first?.decode(Bool.self) ?? false
    }

    /// Runs the migrations not yet applied, one transaction each, under a lock so that two nodes
    /// opening one database at once do not both run them.
    private func migrate() async throws {
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.migrationLock))", logger: logger)
            try await connection.query("CREATE TABLE IF NOT EXISTS schema_migration (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)", logger: logger)
            let applied = try await connection.query("SELECT coalesce(max(version), 0) FROM schema_migration", logger: logger)
                .collect().first?.decode(Int.self) ?? 0
            for (index, statements) in PostgresSchema.migrations.enumerated() where index + 1 > applied {
                for statement in statements { try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                try await connection.query("INSERT INTO schema_migration(version, applied_at) VALUES (\(index + 1), extract(epoch from now())::bigint)", logger: logger)
            }
        }
    }

    static let migrationLock: Int64 = 0x6F61_7468_6D69_6772  // "oathmigr"
    /// Held exclusively by an import, shared by every operation that gives a user a method.
    static let ownershipLock: Int64 = 0x6F61_7468_6F77_6E65  // "oathowne"
    /// Held by a change that could leave no enabled admin, so two nodes cannot each remove one of the last two.
    static let operatorsLock: Int64 = 0x6F61_7468_6F70_6572  // "oathoper"

    /// Runs `body` on one pooled connection (or the `dedicated` one) outside any transaction, with
    /// the driver's errors turned into the store's. A single statement needs nothing more: it sees
    /// one snapshot and commits (or undoes) itself whole, in one round trip.
    func statement<T>(on dedicated: DedicatedConnection? = nil, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            if let dedicated { return try await dedicated.run(body) }
            return try await withLeasedConnection(body)
        } catch {
            throw Self.translate(error, at: address)
        }
    }

    /// Runs `body` in one transaction on one pooled connection; rolls back whatever it throws.
    func transaction<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await statement { connection in
            try await connection.query("BEGIN", logger: logger)
            do {
                let result = try await body(connection)
                try await connection.query("COMMIT", logger: logger)
                return result
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: logger)
                throw error
            }
        }
    }

    /// Turns the driver's errors into the store's: typed refusals for the guards, one line otherwise.
    /// Never quotes a bound value.
    static func translate(_ error: Error, at address: PostgresLocation) -> Error {
        // The pool's own refusals (its circuit breaker after failed connects, a closed pool).
        if error is ConnectionPoolError {
            return StoreError.unreachable(location: address.description, reason: "the server cannot be reached (\(error))")
        }
        guard let error = error as? PSQLError else { return error }
        if error.code == .server, let info = error.serverInfo {
            let state = info[.sqlState] ?? ""
            let message = info[.message] ?? "error \(state)"
            switch state {
            case "28P01", "28000": return StoreError.unreachable(location: address.description, reason: "the server refused the password or user (\(message))")
            case "3D000": return StoreError.unreachable(location: address.description, reason: "no database '\(address.database)' (\(message))")
            case "22021", "22P05": return StoreError.unstorableText
            case "53100": return StoreError.storeFull  // disk_full
            default:
                if message.hasPrefix("user_token_limit") { return StoreError.userLimit(upn: "the user", limit: MethodLimit.perUser) }
                return StoreError.database("\(message) (SQLSTATE \(state))")
            }
        }
        switch error.code {
        case .connectionError, .serverClosedConnection, .sslUnsupported, .failedToAddSSLHandler, .poolClosed:
            let reason = error.underlying.map { String(describing: $0) } ?? "\(error.code)"
            return StoreError.unreachable(location: address.description, reason: reason)
        case .authMechanismRequiresPassword:
            return StoreError.unreachable(location: address.description,
                                          reason: "the server asks for a password: give it in --store-password-file, PGPASSWORD or ~/.pgpass")
        default:
            return StoreError.database("\(error.code)")
        }
    }
}
