import ArgumentParser
import Foundation
import TokenImport

extension ExportFormat: ExpressibleByArgument {}

/// Opens an output file for tokens, refusing to replace an existing one unless forced.
func openTokenWriter(_ format: ExportFormat, path: String, crlf: Bool, force: Bool) throws -> TokenWriter {
    var info = stat()
    if !force, lstat(path, &info) == 0 {
        throw CLIError("\(path) already exists; pass --force to replace it").exit()
    }
    do { return try format.writer(path: path, crlf: crlf) } catch { throw CLIError("\(error)").exit() }
}

extension Oathctl {
    /// `oathctl convert`: vendor files in, upload-ready files out.
    struct Convert: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert a vendor file (PSKC XML or CSV with hex/Base64/Base32 seeds) to an upload-ready file.",
            discussion: """
            Reads the input with the same rules, findings, error report and exit statuses as validate, \
            and writes the accepted tokens to --output (created 0600; seeds never go to the terminal). \
            entra-csv is the exact upload format with Base32 seeds; graph-json is the body of a Microsoft \
            Graph bulk create of hardware OATH devices. Encrypted PSKC files need --psk-file or --password-file. \
            A token the format cannot carry (entra-csv: SHA-256, SHA-512 or 8 digits; graph-json: SHA-512 \
            or 8 digits) is left out with an entra_unsupported finding. Nothing is written when the input is unusable.

            Examples:
              oathctl convert vendor.xml --psk-file transport.key --to entra-csv --output upload.csv --upn-map users.csv
              oathctl convert seeds.csv --secret-encoding hex --delimiter ';' --map 'serial number=Token SN' --output upload.csv
            """
        )

        @OptionGroup var options: FileCheckOptions

        /// What convert writes: the upload formats only (PSKC comes from the store, with `export`).
        enum Target: String, ExpressibleByArgument, CaseIterable {
            case entraCSV = "entra-csv", graphJSON = "graph-json"
            var format: ExportFormat { self == .entraCSV ? .entraCSV : .graphJSON }
        }

        @Option(help: "Output format: entra-csv or graph-json.") var to: Target = .entraCSV
        @Option(help: ArgumentHelp("Where to write the tokens (created 0600).", valueName: "path")) var output: String
        @Flag(help: "End lines with CRLF (as Windows tools write) instead of LF.") var crlf = false
        @Flag(help: "Replace --output if it exists.") var force = false

        func run() async throws {
            var writer: TokenWriter?
            var written = 0
            let summary: ValidationSummary, reportPath: String
            do {
                let run = FileCheckRun(options: options, otherOutputs: [("--output", output)])
                (summary, reportPath) = try await run.run { input, validator, handlers in
                    let file = try openTokenWriter(to.format, path: output, crlf: crlf, force: force)
                    writer = file
                    var handlers = handlers
                    handlers.accepted = { token in
                        let exported = ExportToken(token)
                        if let refusal = file.refusal(for: exported) { throw TokenRefusal(code: .entraUnsupported, message: refusal) }
                        try file.write(exported)
                        written += 1
                    }
                    return try input.validate(with: validator, handlers: handlers)
                }
                // A file cut short or unreadable must never look like a complete conversion.
                if summary.fileUnusable { writer?.discard() } else { try writer?.close() }
            } catch let error as CLIError {
                writer?.discard()
                throw error.exit()
            }
            SummaryPrinter(format: options.format).print(summary, file: options.file, report: reportPath, verb: "Converted")
            if options.format == .text, !summary.fileUnusable {
                print("Wrote \(counted(written, "token")) to \(output) (\(to.rawValue), mode 0600)")
            }
            if summary.exitStatus != 0 { throw ExitCode(summary.exitStatus) }
        }
    }

    /// `oathctl export`: the store out to a file.
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the stored tokens as entra-csv, graph-json or PSKC (secrets only with --include-secrets).",
            discussion: """
            Without --include-secrets graph-json and pskc are written with the seeds left out (an \
            inventory); entra-csv needs the seeds, since Entra cannot load a row without one. The file \
            is created 0600 either way, and every export is audited. A token the format cannot carry \
            (entra-csv: SHA-256, SHA-512 or 8 digits; graph-json: SHA-512 or 8 digits) is left out \
            and named on standard error, and the exit status is 1.
            """
        )

        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "Format: entra-csv, graph-json or pskc.") var to: ExportFormat
        @Option(help: ArgumentHelp("Where to write (created 0600).", valueName: "path")) var output: String
        @Flag(help: "Write the seeds (unsealed with the master key).") var includeSecrets = false
        @Flag(help: "End lines with CRLF instead of LF.") var crlf = false
        @Flag(help: "Replace --output if it exists.") var force = false

        func validate() throws {
            if to == .entraCSV, !includeSecrets {
                throw ValidationError("an entra-csv file without seeds cannot be uploaded (Entra needs each token's secret key): add --include-secrets, or write an inventory with --to graph-json or --to pskc")
            }
        }

        func run() async throws {
            var guardRail = OutputGuard()
            guardRail.protect(store: storeOptions.storePath, key: storeOptions.keyPath)
            do { try guardRail.check([("--output", output)]) } catch let error as CLIError { throw error.exit() }
            let service = try await storeOptions.open()
            let writer = try openTokenWriter(to, path: output, crlf: crlf, force: force)
            var count = 0, leftOut = 0
            do {
                try await storeOperation {
                    try await service.forEachExportToken(includeSecrets: includeSecrets, destination: output,
                                                         context: storeOptions.context) { token in
                        if let refusal = writer.refusal(for: token) {
                            Terminal.printError("oathctl: left out: entra_unsupported: \(DisplayText.escaped(refusal))")
                            leftOut += 1
                            return
                        }
                        try writer.write(token)
                        count += 1
                    }
                }
                try writer.close()
            } catch {
                writer.discard()
                throw error
            }
            print("Exported \(counted(count, "token")) to \(DisplayText.escaped(output)) (\(to.rawValue), \(includeSecrets ? "with" : "without") secrets, mode 0600)")
            if leftOut > 0 {
                Terminal.printError("oathctl: \(counted(leftOut, "token")) left out: \(to.rawValue) cannot carry their settings")
                throw ExitCode(1)
            }
        }
    }
}
