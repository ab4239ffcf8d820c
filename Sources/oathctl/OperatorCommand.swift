import ArgumentParser
import Foundation
import SecretSealing
import TokenDomain
import TokenService

extension Oathctl {
    /// `oathctl operator`: the people and programs that act on the store under their own names.
    struct OperatorCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "operator",
            abstract: "Manage operators: people (a password) and programs (an API key), each with one role.",
            discussion: """
            Roles: admin (everything), helpdesk (find, look up, assign, activate, resync, unlock; never \
            import, export, delete, policy or operators), auditor (read only), verifier (sign-in checks \
            only). Operators live in the store, so every node sees them. The last enabled admin cannot \
            be removed or disabled. Passwords are read from the terminal (asked twice) or standard input, \
            never from the command line, and stored as PBKDF2-HMAC-SHA256 with 600,000 iterations; an API \
            key is printed once and stored only as its SHA-256 digest.

            Example:
              oathctl operator add alice --role admin                # asks for a password
              oathctl operator add vpn-gateway --role verifier --api-key
            """,
            subcommands: [Add.self, List.self, Passwd.self, Disable.self, Enable.self, Remove.self]
        )

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Make an operator with a role.")
            @OptionGroup var storeOptions: StoreOptions
            @Argument(help: "The operator's name (a-z, 0-9, '.', '_', '-', '@').") var name: String
            @Option(help: "admin, helpdesk, auditor or verifier.") var role: Role
            @Flag(help: "A program: make an API key and print it once, instead of asking for a password.") var apiKey = false

            func run() async throws {
                let service = try await storeOptions.open()
                let credential = try newCredential(program: apiKey, name: name)
                try await storeOperation {
                    try await service.addOperator(name: name, role: role, credential: credential.value, context: storeOptions.context)
                }
                print("Added operator \(name) (\(role.rawValue), \(apiKey ? "API key" : "password"))")
                credential.announce()
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List operators (never a password hash or key).")
            @OptionGroup var storeOptions: StoreOptions
            @Option(help: "Output: table, json or csv.") var format: ListFormat = .table

            func run() async throws {
                let service = try await storeOptions.open()
                let operators = try await storeOperation { try await service.operators() }
                let header = ["name", "role", "kind", "state", "failed logins"]
                let rows = operators.map { account in
                    [account.name, account.role.rawValue, account.kind.rawValue,
                     account.disabled ? "disabled" : (account.lockedUntil.map { "locked until \(Table.time($0))" } ?? "enabled"),
                     String(account.failedLogins)]
                }
                switch format {
                case .json: try JSONOutput.print(operators)
                case .csv: print(Table.csv(header: header, rows: rows))
                case .table: print(operators.isEmpty ? "No operators" : Table.render(header: header, rows: rows))
                }
            }
        }

        struct Passwd: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Give an operator a new password (a person) or a new API key (a program); clears its lock.")
            @OptionGroup var storeOptions: StoreOptions
            @Argument(help: "The operator's name.") var name: String

            func run() async throws {
                let service = try await storeOptions.open()
                let kind = try await storeOperation { try await service.operators() }.first { $0.name == name }?.kind
                guard let kind else { throw CLIError(StoreError.operatorNotFound(name: name).description, status: 1).exit() }
                let credential = try newCredential(program: kind == .program, name: name)
                try await storeOperation { try await service.changeCredential(name: name, to: credential.value, context: storeOptions.context) }
                print("Changed the \(kind == .program ? "API key" : "password") of \(name)")
                credential.announce()
            }
        }

        struct Disable: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Disable an operator: its logins, sessions and keys stop working.")
            @OptionGroup var storeOptions: StoreOptions
            @Argument(help: "The operator's name.") var name: String

            func run() async throws {
                let service = try await storeOptions.open()
                try await storeOperation { try await service.setDisabled(true, name: name, context: storeOptions.context) }
                print("Disabled operator \(name)")
            }
        }

        struct Enable: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Enable an operator again (and clear its lock).")
            @OptionGroup var storeOptions: StoreOptions
            @Argument(help: "The operator's name.") var name: String

            func run() async throws {
                let service = try await storeOptions.open()
                try await storeOperation { try await service.setDisabled(false, name: name, context: storeOptions.context) }
                print("Enabled operator \(name)")
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove an operator (never the last enabled admin).")
            @OptionGroup var storeOptions: StoreOptions
            @Argument(help: "The operator's name.") var name: String

            func run() async throws {
                let service = try await storeOptions.open()
                try await storeOperation { try await service.removeOperator(name: name, context: storeOptions.context) }
                print("Removed operator \(name)")
            }
        }
    }
}

extension Role: ExpressibleByArgument {}

/// A credential made for `operator add` or `passwd`: a password read (twice on a terminal), or a
/// new API key, which is printed once, to standard output only, after the store has it.
private struct NewCredential {
    var value: OperatorCredential
    var key: String?

    func announce() {
        guard let key else { return }
        print("API key (shown once; store it in the program's secret store now):")
        print(key)
    }
}

private func newCredential(program: Bool, name: String) throws -> NewCredential {
    if program {
        let key = APIKey.generate()
        return NewCredential(value: .apiKey(key), key: key)
    }
    do {
        let password = withoutLineEnd(try Terminal.readInput(prompt: "Password for \(name): ", hidden: true))
        if Terminal.stdinIsTTY {
            let again = withoutLineEnd(try Terminal.readInput(prompt: "The same password again: ", hidden: true))
            guard Digest.equal(password, again) else { throw CLIError("the two passwords differ; nothing was changed") }
        }
        guard password.count >= Operator.minPasswordLength else {
            throw CLIError("a password needs at least \(Operator.minPasswordLength) characters; nothing was changed")
        }
        return NewCredential(value: .password(password), key: nil)
    } catch let error as CLIError {
        throw error.exit()
    }
}

/// A password as typed or piped: only the line end is dropped (spaces are part of a password).
private func withoutLineEnd(_ bytes: [UInt8]) -> [UInt8] {
    var bytes = bytes
    while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
    return bytes
}
