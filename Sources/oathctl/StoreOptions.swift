import ArgumentParser
import Foundation
import Logging
import SecretSealing
import TokenStore
import TokenDomain
import TokenService
import TokenStorePostgres

/// Where the store and its key live, and who is acting: shared by every command that touches the store.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The token store: an SQLite file, or postgres://USER@HOST:PORT/DB (default: OATHCTL_STORE, else $XDG_DATA_HOME/oathctl/tokens.sqlite).",
                               valueName: "path|url"))
    var store: String?

    @Option(name: .customLong("key-file"),
            help: ArgumentHelp("The master key (default: OATHCTL_KEY_FILE, else $XDG_CONFIG_HOME/oathctl/master.key).", valueName: "path"))
    var keyFile: String?

    @Option(name: .customLong("store-password-file"),
            help: ArgumentHelp("A file whose first line is the PostgreSQL password (else PGPASSWORD, else ~/.pgpass).", valueName: "path"))
    var storePasswordFile: String?

    @Option(help: ArgumentHelp("Name recorded in the audit trail (default: the OS user).", valueName: "name"))
    var actor: String?

    private var environment: [String: String] { ProcessInfo.processInfo.environment }

    var storePath: String { store ?? StoreLocation.defaultStore }

    var keyPath: String { keyFile ?? StoreLocation.defaultKey }

    var actorName: String {
        if let actor { return actor }
        if let entry = getpwuid(geteuid()), let name = entry.pointee.pw_name { return String(cString: name) }
        return environment["USER"] ?? "unknown"
    }

    /// The operator and this run's request id, for the audit trail and the log.
    var context: OperationContext { OperationContext(actor: actorName, requestId: Self.requestId) }

    /// One request id per command run.
    private static let requestId = OperationContext.newRequestId()

    /// True when the store is a PostgreSQL database rather than a file.
    var isPostgres: Bool { PostgresLocation.isPostgres(storePath) }

    /// Opens the store with its key behind the service; every failure becomes a one-line error with exit status 2.
    ///
    /// - Parameter serving: for the server: read the clock at each operation rather than once when
    ///   the command starts (`OATHCTL_NOW` fixes it either way), read an SQLite store beside its writer,
    ///   and keep heavy work on low-priority lanes of bounded size (`WorkLanes.server`).
    func open(serving: Bool = false) async throws -> TokenService {
        let now = try Clock.now()
        let fixed = !serving || ProcessInfo.processInfo.environment["OATHCTL_NOW"] != nil
        // A bad store URL is misuse, said before anything is read.
        if isPostgres { _ = try postgresLocation(storePath) }
        let vault = try loadVault()
        let repository = try await storeOperation { try await openRepository(storePath, vault: vault, concurrentReads: serving) }
        let clock: @Sendable () -> Int64
        if fixed { clock = { Int64(now) } } else { clock = { Int64(Date().timeIntervalSince1970) } }
        return TokenService(repository: repository, vault: vault, clock: clock, logger: Logger(label: "oathctl"),
                            lanes: serving ? .server() : .command)
    }

    /// The master key, or a one-line error with exit status 2.
    func loadVault() throws -> Vault {
        do { return Vault(key: try MasterKey.load(from: keyPath)) } catch { throw CLIError(error.description).exit() }
    }

    /// Opens the store `address` names (an SQLite file or a PostgreSQL URL).
    func openRepository(_ address: String, vault: Vault, concurrentReads: Bool = false) async throws -> any TokenRepository {
        if PostgresLocation.isPostgres(address) {
            let location = try postgresLocation(address)
            return try await PostgresStore.open(location, password: try postgresPassword(location), vault: vault)
        }
        return try TokenStore.open(path: address, vault: vault, concurrentReads: concurrentReads)
    }

    /// Makes a new store at `address`; `entry` is its first audit entry, or nil for `store copy`.
    func createRepository(_ address: String, vault: Vault, entry: AuditEntry?) async throws -> any TokenRepository {
        if PostgresLocation.isPostgres(address) {
            let location = try postgresLocation(address)
            return try await PostgresStore.create(location, password: try postgresPassword(location), vault: vault, entry: entry)
        }
        return try TokenStore.create(path: address, vault: vault, entry: entry)
    }

    private func postgresLocation(_ address: String) throws -> PostgresLocation {
        do { return try PostgresLocation(parsing: address) } catch { throw CLIError(error.description).exit() }
    }

    private func postgresPassword(_ location: PostgresLocation) throws -> String? {
        do { return try PostgresPassword.find(for: location, file: storePasswordFile) } catch { throw CLIError(error.description).exit() }
    }
}

/// The store and key a command uses when no option names them: the environment, else the XDG folders.
enum StoreLocation {
    private static var environment: [String: String] { ProcessInfo.processInfo.environment }
    private static var home: String { environment["HOME"] ?? NSHomeDirectory() }

    static var defaultStore: String {
        environment["OATHCTL_STORE"] ?? ((environment["XDG_DATA_HOME"] ?? home + "/.local/share") + "/oathctl/tokens.sqlite")
    }

    static var defaultKey: String {
        environment["OATHCTL_KEY_FILE"] ?? ((environment["XDG_CONFIG_HOME"] ?? home + "/.config") + "/oathctl/master.key")
    }
}

/// Runs a store operation, printing a refusal (exit 1) or a store failure (exit 2) in one line.
func storeOperation<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as StoreError {
        throw CLIError(error.description, status: error.kind.exitStatus).exit()
    }
}

extension ErrorKind {
    /// The command line's exit status for each kind (the one place it is decided): 1 when the work
    /// was understood and a rule or the store's contents said no, 2 for misuse or an unusable store.
    var exitStatus: Int32 {
        switch self {
        case .refused, .notFound, .conflict: 1
        case .invalidInput, .failure: CLIError.misuseStatus
        }
    }
}
