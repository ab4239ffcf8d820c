import ArgumentParser
import Foundation
import SecretSealing
import TokenImport
import TokenStore
import TokenDomain
import TokenService
import TokenStorePostgres

extension Oathctl {
    /// `oathctl store`: work on whole stores.
    struct StoreCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "store",
            abstract: "Work on whole stores: copy one between SQLite and PostgreSQL.",
            subcommands: [Copy.self]
        )

        /// `oathctl store copy --from SRC --to DST`.
        struct Copy: AsyncParsableCommand {
            static let configuration = CommandConfiguration(
                abstract: "Copy a whole store into a new one, either way between SQLite and PostgreSQL, seeds still sealed.",
                discussion: """
                Copies tokens (sealed seeds, owners, activation and lockout state), apps, batches, the \
                policy and the audit trail, with their ids, in one transaction; the copy is audited in \
                the new store. Both stores use the one master key (--key-file): the source must open \
                with it, and the new store is sealed under it. Seeds are never unsealed.

                --to must not be a store yet: a file that does not exist, or a PostgreSQL database \
                without the oathctl schema. A password comes from --store-password-file, PGPASSWORD or \
                ~/.pgpass, never from the URL.

                Example:
                  oathctl store copy --from tokens.sqlite --to postgres://oathctl@db.example:5432/oathctl
                """
            )

            @Option(help: ArgumentHelp("The store to copy: a file or postgres://USER@HOST:PORT/DB.", valueName: "path|url"))
            var from: String
            @Option(help: ArgumentHelp("The new store to make.", valueName: "path|url"))
            var to: String
            @OptionGroup var storeOptions: StoreOptions
            @Option(help: "Output: text or json.") var format: OutputFormat = .text

            func validate() throws {
                if storeOptions.store != nil { throw ValidationError("store copy takes --from and --to, not --store") }
                if from == to { throw ValidationError("--from and --to name the same store") }
            }

            func run() async throws {
                let now = try Clock.now()
                let vault = try storeOptions.loadVault()
                if !PostgresLocation.isPostgres(from), !PostgresLocation.isPostgres(to), FileIdentity(from) == FileIdentity(to) {
                    throw CLIError("--from and --to name the same file").exit()
                }
                let report = try await storeOperation {
                    let source = try await storeOptions.openRepository(from, vault: vault)
                    let destination = try await storeOptions.createRepository(to, vault: vault, entry: nil)
                    do {
                        let report = try await StoreCopy.copy(from: source, to: destination, context: storeOptions.context, at: Int64(now))
                        await source.close()
                        await destination.close()
                        return report
                    } catch {
                        await source.close()
                        await destination.close()
                        // A new file that did not get the copy goes; nothing is left half made.
                        if !PostgresLocation.isPostgres(to) { for suffix in ["", "-wal", "-shm", "-journal"] { unlink(to + suffix) } }
                        throw error
                    }
                }
                switch format {
                case .json: try JSONOutput.print(report)
                case .text:
                    print("Copied \(counted(report.tokens, "token")), \(counted(report.apps, "app")), \(report.batches) batches and \(report.auditEntries) audit entries"
                        + " from \(DisplayText.escaped(from)) to \(DisplayText.escaped(to))")
                }
            }
        }
    }
}
