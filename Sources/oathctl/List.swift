import ArgumentParser
import TokenDomain
import TokenService

extension Oathctl {
    /// `oathctl list`: the stored tokens, without secrets.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List stored tokens (never their secrets).",
            discussion: """
            JSON output is an array of objects with the keys serial, upn, status, interval, hash, digits, \
            manufacturer, model, drift, lastUsedStep, failedAttempts, lockedUntil, batch, createdAt, updatedAt \
            (times in Unix seconds).
            """
        )

        @OptionGroup var storeOptions: StoreOptions
        @Option(help: ArgumentHelp("Only tokens of this user (case-insensitive).", valueName: "upn")) var user: String?
        @Option(help: "Only tokens with this status: available, assigned, activated, failedActivation.") var status: TokenStatus?
        @Option(help: ArgumentHelp("Only tokens of this manufacturer.", valueName: "name")) var manufacturer: String?
        @Option(help: "Output: table, json or csv.") var format: ListFormat = .table

        func run() async throws {
            let service = try await storeOptions.open()
            let tokens = try await storeOperation { try await service.tokens(matching: .init(user: user, status: status, manufacturer: manufacturer)) }
            let header = ["serial", "upn", "status", "interval", "hash", "digits", "manufacturer", "model", "updated"]
            let rows = tokens.map { t in
                [t.serial, t.upn ?? "", t.status.rawValue, String(t.interval), t.hash, String(t.digits), t.manufacturer, t.model, Table.time(t.updatedAt)]
            }
            switch format {
            case .json: try JSONOutput.print(tokens)
            case .csv: print(Table.csv(header: header, rows: rows))
            case .table:
                print(Table.render(header: header, rows: rows))
                print(counted(tokens.count, "token"))
            }
        }
    }
}

extension TokenStatus: ExpressibleByArgument {}
