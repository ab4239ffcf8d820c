import Foundation
import TokenImport

/// One pass over a token file with the report, rejects file and progress bar wired up.
struct FileCheckRun {
    let options: FileCheckOptions
    /// What the pass still does once the whole file is read, for the progress bar.
    var afterReading: String? = nil
    /// The store and key the command uses (import), else the default ones: outputs may name neither.
    var store: (path: String, key: String) = (StoreLocation.defaultStore, StoreLocation.defaultKey)
    /// Outputs of the command besides the report and rejects file (`convert --output`), checked with them.
    var otherOutputs: [(flag: String, path: String)] = []

    /// The summary and the report's path; throws `CLIError` for a file or output that cannot be used.
    ///
    /// - Parameter pass: runs the pass over the input with a validator and the handlers (a plain
    ///   validation, an import, a conversion); it may add an `accepted` handler.
    func run(_ pass: (TokenInput, FileValidator, FileValidator.Handlers) async throws -> ValidationSummary) async throws -> (ValidationSummary, String) {
        let reportPath = options.reportPath
        var guardRail = OutputGuard()
        if !options.readsStandardInput { guardRail.protect(input: options.file) }
        guardRail.protect(store: store.path, key: store.key)
        try guardRail.check([("--report", reportPath)] + (options.rejects.map { [("--rejects", $0)] } ?? []) + otherOutputs)

        let source = try options.source()
        let settings = try options.reading.settings(entra: options.entra, format: options.inputFormat)
        let input: TokenInput
        do { input = try settings.input(path: source.path) } catch { throw CLIError(error.description) }
        let validator = settings.validator()
        let report: ErrorReport
        do { report = try ErrorReport(path: reportPath) } catch { throw CLIError("\(error); choose another place with --report") }
        let rejects: CSVWriter?
        do { rejects = try options.rejects.map { try CSVWriter(path: $0, permissions: 0o600) } } catch {
            throw CLIError("\(error)")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: source.path)[.size] as? Int) ?? nil
        let progress = ProgressBar(label: "Checking \(options.displayName)", total: size, afterwards: afterReading)
        var handlers = FileValidator.Handlers(finding: report.add)
        var wroteRejectsHeader = false
        handlers.rejected = { record, header in
            guard let rejects else { return }
            if !wroteRejectsHeader {
                try rejects.write(record: header)
                wroteRejectsHeader = true
            }
            try rejects.write(record: record)
        }
        handlers.progress = progress.update
        let summary: ValidationSummary
        defer { progress.finish() }
        do {
            summary = try await pass(input, validator, handlers)
        } catch let error as CSVReadError {
            throw CLIError(error.description)
        } catch let error as ByteSourceError {
            throw CLIError(error.description)
        }
        do {
            try report.close()
            try rejects?.close()
        } catch { throw CLIError("\(error)") }
        return (summary, reportPath)
    }
}
