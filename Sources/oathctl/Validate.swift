import ArgumentParser
import Foundation
import TokenImport

extension Oathctl {
    /// `oathctl validate`: every problem in every row of a token file, in one pass, without storing anything.
    struct Validate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a token file against the upload rules and write an error report.",
            discussion: """
            Reads the file once, however large, and reports every problem of every row: \
            bad Base32 secrets (with a hint when a seed is hex), intervals other than 30/60, \
            duplicate serials, a token given to two users, more than five methods per user. \
            The error report (line,upn,serial number,field,code,message) never holds a secret.

            Exit status: 0 no row rejected (warnings allowed), 1 some rows rejected, \
            2 the file is unusable (no header, missing column, empty, not UTF-8) or the command was misused.

            Example:
              oathctl validate tokens.csv --report errors.csv --rejects fix-me.csv
            """
        )

        @OptionGroup var options: FileCheckOptions

        func run() async throws {
            let summary: ValidationSummary, reportPath: String
            do {
                (summary, reportPath) = try await FileCheckRun(options: options).run { input, validator, handlers in
                    try input.validate(with: validator, handlers: handlers)
                }
            } catch let error as CLIError {
                throw error.exit()
            }
            SummaryPrinter(format: options.format).print(summary, file: options.file, report: reportPath, verb: "Checked")
            if summary.exitStatus != 0 { throw ExitCode(summary.exitStatus) }
        }
    }
}
