import ArgumentParser
import Foundation
import TokenImport
import TokenDomain
import TokenService

extension Oathctl {
    /// `oathctl import`: validate a token file against the store and store the accepted rows.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load a token file into the store: the same checks as validate, now against what the store holds.",
            discussion: """
            Accepted rows are stored (seeds sealed with the master key) and rejected rows reported, \
            all in one transaction: a killed import leaves the store as it was. Re-importing a file is \
            harmless: rows identical to the store count as unchanged. A stored serial with a different \
            secret is refused (secret_conflict), never overwritten. With --atomic nothing is stored \
            when any row is rejected.

            Exit status: 0 no row rejected, 1 some rows rejected, 2 the file is unusable, the store \
            cannot be opened, or the command was misused.
            """
        )

        @OptionGroup var options: FileCheckOptions
        @OptionGroup var storeOptions: StoreOptions

        @Flag(help: "Store nothing when any row is rejected.")
        var atomic = false

        func run() async throws {
            let service = try await storeOptions.open()
            let name = options.displayName
            var result: ImportResult?
            let reportPath: String
            do {
                let run = FileCheckRun(options: options, afterReading: "writing the store",
                                       store: (storeOptions.storePath, storeOptions.keyPath))
                (_, reportPath) = try await run.run { input, validator, handlers in
                    let sha256 = try SHA256Digest.of(path: input.path)
                    // The report is also kept with the batch (GET /api/v1/imports/{batch}/report).
                    let kept = KeptReport()
                    var handlers = handlers
                    handlers.finding = { [write = handlers.finding] finding in
                        try write(finding)
                        kept.add(finding)
                    }
                    let imported = try await service.importTokens(input, validator: validator,
                                                                  options: .init(fileName: name, sha256: sha256, atomic: atomic, report: kept),
                                                                  handlers: handlers, context: storeOptions.context)
                    result = imported
                    return imported.summary
                }
            } catch let error as CLIError {
                throw error.exit()
            } catch let error as StoreError {
                throw CLIError(error.description).exit()
            } catch let error as ByteSourceError {
                throw CLIError(error.description).exit()
            }
            guard let result else { return }
            let stored = StoreCounts(result)
            SummaryPrinter(format: options.format).print(result.summary, file: options.file, report: reportPath, verb: "Imported", stored: stored)
            if result.summary.exitStatus != 0 { throw ExitCode(result.summary.exitStatus) }
        }
    }
}
