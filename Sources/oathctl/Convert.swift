import ArgumentParser
import Foundation
import TokenImport

extension ExportFormat: ExpressibleByArgument {}

/// Opens an output file for tokens, refusing to replace an existing one unless forced.
func openTokenWriter(_ format: ExportFormat, path: String, crlf: Bool, force: Bool) throws -> TokenWriter {
    if !force, FileManager.default.fileExists(atPath: path) {
        throw CLIError("\(path) already exists; pass --force to replace it").exit()
    }
    do { return try format.writer(path: path, crlf: crlf) } catch { throw CLIError("\(error)").exit() }
}

extension Oathctl {
    /// `oathctl convert`: vendor files in, upload-ready files out.
    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert a vendor file (PSKC XML or CSV with hex/Base64/Base32 seeds) to an upload-ready file.",
            discussion: """
            Reads the input with the same rules, findings, error report and exit statuses as validate, \
            and writes the accepted tokens to --output (created 0600; seeds never go to the terminal). \
            entra-csv is the exact upload format with Base32 seeds; graph-json is the body of a Microsoft \
            Graph bulk create of hardware OATH devices. Encrypted PSKC files need --psk-file or --password-file.

            Examples:
              oathctl convert vendor.xml --psk-file transport.key --to entra-csv --output upload.csv --upn-map users.csv
              oathctl convert seeds.csv --secret-encoding hex --delimiter ';' --map 'serial number=Token SN' --output upload.csv
            """
        )

        @OptionGroup var options: FileCheckOptions

        @Option(help: "Output format: entra-csv or graph-json.") var to: ExportFormat = .entraCSV
        @Option(help: ArgumentHelp("Where to write the tokens (created 0600).", valueName: "path")) var output: String
        @Flag(help: "End lines with CRLF (as Windows tools write) instead of LF.") var crlf = false
        @Flag(help: "Replace --output if it exists.") var force = false

        func validate() throws {
            guard to != .pskc else { throw ValidationError("convert writes entra-csv or graph-json; export --to pskc writes PSKC from the store") }
        }

        func run() throws {
            if sameFile(output, options.file) {
                throw CLIError("--output names the input file itself; choose another path").exit()
            }
            let writer = try openTokenWriter(to, path: output, crlf: crlf, force: force)
            var written = 0
            let summary: ValidationSummary, reportPath: String
            do {
                (summary, reportPath) = try FileCheckRun(options: options).run { input, validator, handlers in
                    var handlers = handlers
                    handlers.accepted = { token in
                        try writer.write(ExportToken(token))
                        written += 1
                    }
                    return try input.validate(with: validator, handlers: handlers)
                }
                try writer.close()
            } catch let error as CLIError {
                throw error.exit()
            }
            SummaryPrinter(format: options.format).print(summary, file: options.file, report: reportPath, verb: "Converted")
            if options.format == .text { print("Wrote \(counted(written, "token")) to \(output) (\(to.rawValue), mode 0600)") }
            if summary.exitStatus != 0 { throw ExitCode(summary.exitStatus) }
        }
    }

    /// `oathctl export`: the store out to a file.
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the stored tokens as entra-csv, graph-json or PSKC (secrets only with --include-secrets).",
            discussion: """
            Without --include-secrets the same formats are written with the seeds left out (an inventory). \
            The file is created 0600 either way, and every export is audited.
            """
        )

        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "Format: entra-csv, graph-json or pskc.") var to: ExportFormat
        @Option(help: ArgumentHelp("Where to write (created 0600).", valueName: "path")) var output: String
        @Flag(help: "Write the seeds (unsealed with the master key).") var includeSecrets = false
        @Flag(help: "End lines with CRLF instead of LF.") var crlf = false
        @Flag(help: "Replace --output if it exists.") var force = false

        func run() throws {
            if sameFile(output, storeOptions.storePath) || sameFile(output, storeOptions.keyPath) {
                throw CLIError("--output names the store or its key; choose another path").exit()
            }
            let store = try storeOptions.open()
            let writer = try openTokenWriter(to, path: output, crlf: crlf, force: force)
            var count = 0
            try storeOperation {
                try store.forEachExportToken(includeSecrets: includeSecrets, destination: output) { token in
                    try writer.write(token)
                    count += 1
                }
            }
            try writer.close()
            print("Exported \(counted(count, "token")) to \(output) (\(to.rawValue), \(includeSecrets ? "with" : "without") secrets, mode 0600)")
        }
    }
}
