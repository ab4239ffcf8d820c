import ArgumentParser
import Foundation

/// The root command: lists the subcommands and maps errors to the documented exit statuses.
@main
struct Oathctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "oathctl",
        abstract: "Manage OATH TOTP hardware tokens: check vendor files, store seeds encrypted, activate by code.",
        discussion: """
        A typical run:
          oathctl validate vendor.csv        # every problem of every row
          oathctl convert vendor.xml --psk-file transport.key --output up.csv
          oathctl init                       # a store and its master key
          oathctl import vendor.csv          # checks, then seeds sealed
          oathctl activate 100001            # asks for the code the token shows

        The store is --store (or OATHCTL_STORE), its key --key-file (or OATHCTL_KEY_FILE); \
        OATHCTL_NOW (Unix seconds) replaces the clock. Secrets are never taken from the command \
        line (seeds, keys, passwords, codes) and never printed. Exit status: 0 success, 1 the work was done but something was \
        refused (rejected rows, a wrong code), 2 misuse or an unusable input.
        """,
        version: "0.1.0",
        subcommands: [
            Code.self, Validate.self, Init.self, Import.self, List.self, Show.self,
            Assign.self, Unassign.self, Delete.self, App.self, Activate.self, Verify.self, Resync.self,
            Unlock.self, Find.self, PolicyCommand.self, Audit.self, Batches.self, Convert.self, Export.self, StoreCommand.self, OperatorCommand.self, Serve.self,
        ]
    )

    /// Runs the command, turning argument errors into exit status 2 (the documented "misuse") instead of 64.
    static func main() async {
        JSONOutput.errorsAsJSON = JSONOutput.asksForJSON(Array(CommandLine.arguments.dropFirst()))
        LogSetup.bootstrap()
        do {
            var command = try parseAsRoot()
            if var asynchronous = command as? AsyncParsableCommand {
                try await asynchronous.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                if JSONOutput.errorsAsJSON { JSONOutput.printError(message(for: error), status: CLIError.misuseStatus) }
                Foundation.exit(CLIError.misuseStatus)
            }
            exit(withError: error)
        }
    }
}
