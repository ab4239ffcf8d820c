import ArgumentParser
import TokenDomain
import TokenService

extension Oathctl {
    /// `oathctl app`: authenticator-app registrations, which count toward a user's five methods.
    struct App: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Record a user's authenticator apps, which count toward the limit of five methods.",
            subcommands: [Add.self, Remove.self, List.self]
        )

        struct Add: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Record an authenticator app for a user.")
            @OptionGroup var storeOptions: StoreOptions
            @Argument(help: "The user principal name.") var upn: String
            @Option(help: "A name for the app registration (e.g. the phone).") var name: String

            func run() async throws {
                let service = try await storeOptions.open()
                try await storeOperation { try await service.addApp(upn: upn, name: name, context: storeOptions.context) }
                print("Recorded app '\(name)' for \(upn)")
            }
        }

        struct Remove: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Remove an authenticator app of a user.")
            @OptionGroup var storeOptions: StoreOptions
            @Argument(help: "The user principal name.") var upn: String
            @Option(help: "The app registration's name.") var name: String

            func run() async throws {
                let service = try await storeOptions.open()
                try await storeOperation { try await service.removeApp(upn: upn, name: name, context: storeOptions.context) }
                print("Removed app '\(name)' of \(upn)")
            }
        }

        struct List: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List authenticator apps.")
            @OptionGroup var storeOptions: StoreOptions
            @Option(help: ArgumentHelp("Only this user's apps.", valueName: "upn")) var user: String?
            @Option(help: "Output: table, json or csv.") var format: ListFormat = .table

            func run() async throws {
                let service = try await storeOptions.open()
                let apps = try await storeOperation { try await service.apps(user: user) }
                let rows = apps.map { [$0.upn, $0.name, Table.time($0.createdAt)] }
                switch format {
                case .json: try JSONOutput.print(apps)
                case .csv: print(Table.csv(header: ["upn", "name", "created"], rows: rows))
                case .table: print(Table.render(header: ["upn", "name", "created"], rows: rows))
                }
            }
        }
    }
}
