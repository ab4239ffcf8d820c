import ArgumentParser
import Foundation
import TokenStore

/// Where the store and its key live, and who is acting: shared by every command that touches the store.
struct StoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The token store (default: OATHCTL_STORE, else $XDG_DATA_HOME/oathctl/tokens.sqlite).", valueName: "path"))
    var store: String?

    @Option(name: .customLong("key-file"),
            help: ArgumentHelp("The master key (default: OATHCTL_KEY_FILE, else $XDG_CONFIG_HOME/oathctl/master.key).", valueName: "path"))
    var keyFile: String?

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

    /// Opens the store with its key; every failure becomes a one-line error with exit status 2.
    func open() throws -> TokenStore {
        let now = try Clock.now()
        do {
            let key = try MasterKey.load(from: keyPath)
            return try TokenStore.open(path: storePath, key: key, actor: actorName, now: { Int64(now) })
        } catch let error as MasterKey.FileError {
            throw CLIError(error.description).exit()
        } catch let error as StoreError {
            throw CLIError(error.description).exit()
        }
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
func storeOperation<T>(_ body: () throws -> T) throws -> T {
    do {
        return try body()
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
