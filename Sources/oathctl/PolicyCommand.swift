import ArgumentParser
import TokenDomain
import TokenService

extension Oathctl {
    /// `oathctl policy show|set`.
    struct PolicyCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "policy",
            abstract: "Show or change the lockout and window settings (stored in the store, audited).",
            subcommands: [Show.self, Set.self]
        )

        struct Show: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show every setting with its value.")
            @OptionGroup var storeOptions: StoreOptions
            @Option(help: "Output: text or json.") var format: OutputFormat = .text

            func run() async throws {
                let policy = try await storeOperation { try await storeOptions.open().policy() }
                if format == .json {
                    var values: [String: Int] = [:]
                    for setting in Policy.Setting.allCases { values[setting.rawValue] = policy[setting] }
                    return try JSONOutput.print(values)
                }
                let rows = Policy.Setting.allCases.map { [$0.rawValue, String(policy[$0]), $0.summary] }
                print(Table.render(header: ["setting", "value", "meaning"], rows: rows))
            }
        }

        struct Set: AsyncParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Change one setting, e.g. 'policy set lockout.threshold 5'.")
            @OptionGroup var storeOptions: StoreOptions
            @Argument(help: ArgumentHelp("The setting: \(Policy.Setting.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "setting"))
            var key: String
            @Argument(help: "The new value (a whole number).") var value: Int

            func validate() throws {
                guard Policy.Setting(rawValue: key) != nil else {
                    throw ValidationError("unknown setting '\(key)'; one of: \(Policy.Setting.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            }

            func run() async throws {
                let setting = Policy.Setting(rawValue: key)!
                let service = try await storeOptions.open()
                try await storeOperation { try await service.setPolicy(setting, to: value, context: storeOptions.context) }
                print("\(key) = \(value)")
            }
        }
    }
}
