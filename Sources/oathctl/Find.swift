import ArgumentParser
import TokenDomain
import TokenService

extension Oathctl {
    /// `oathctl find`, with the code typed or piped.
    struct Find: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Find which tokens show a code now, for a caller who cannot read the serial.",
            discussion: """
            Searches every token (or one user's with --user) within the sign-in window. Refuses to name \
            more than find.max-matches tokens: among many tokens a 6-digit code matches some by chance. \
            Nothing is marked used; every search is audited. The code is typed when asked, or read \
            from standard input (printf '%s\\n' 123456 | oathctl find).
            """
        )

        @OptionGroup var storeOptions: StoreOptions
        @OptionGroup var codeRefusal: CodeOptionRefusal
        @Option(help: ArgumentHelp("Only this user's tokens.", valueName: "upn")) var user: String?
        @Option(help: "Output: table, json or csv.") var format: ListFormat = .table

        func run() async throws {
            let service = try await storeOptions.open()
            let code: String
            do { code = try readCodes(prompts: ["Code the caller reads out: "])[0] } catch let error as CLIError { throw error.exit() }
            let found = try await storeOperation { try await service.find(code: code, user: user, context: storeOptions.context) }
            let rows = found.map { [$0.serial, $0.upn ?? "", $0.status.rawValue, String($0.drift)] }
            switch format {
            case .json: try JSONOutput.print(found)
            case .csv: print(Table.csv(header: ["serial", "upn", "status", "drift"], rows: rows))
            case .table:
                if found.isEmpty { print("No token shows this code now") } else {
                    print(Table.render(header: ["serial", "upn", "status", "drift"], rows: rows))
                }
            }
            if found.isEmpty { throw ExitCode(1) }
        }
    }
}
