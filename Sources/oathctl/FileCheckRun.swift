import Foundation
import TokenImport

/// One pass over a token file with the report, rejects file and progress bar wired up.
struct FileCheckRun {
    let options: FileCheckOptions

    /// The summary and the report's path; throws `CLIError` for a file or report that cannot be used.
    ///
    /// - Parameter pass: runs the pass over the source with the handlers (a plain validation, or an import).
    func run(_ pass: (FileByteSource, FileValidator.Handlers) throws -> ValidationSummary) throws -> (ValidationSummary, String) {
        let source: FileByteSource
        do { source = try FileByteSource(path: options.file) } catch { throw CLIError(error.description) }
        defer { source.close() }
        let reportPath = options.reportPath
        let report: ErrorReport
        do { report = try ErrorReport(path: reportPath) } catch { throw CLIError("\(error); choose another place with --report") }
        let rejects: CSVWriter?
        do { rejects = try options.rejects.map { try CSVWriter(path: $0, permissions: 0o600) } } catch {
            throw CLIError("\(error)")
        }
        let progress = ProgressBar(label: "Checking \(URL(fileURLWithPath: options.file).lastPathComponent)", total: source.totalBytes)
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
        do {
            summary = try pass(source, handlers)
        } catch let error as CSVReadError {
            progress.finish()
            throw CLIError(error.description)
        } catch {
            progress.finish()
            throw error
        }
        progress.finish()
        do {
            try report.close()
            try rejects?.close()
        } catch { throw CLIError("\(error)") }
        return (summary, reportPath)
    }
}
