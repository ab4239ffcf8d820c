import Foundation
import TokenImport

/// One pass over a token file with the report, rejects file and progress bar wired up.
struct FileCheckRun {
    let options: FileCheckOptions
    /// What the pass still does once the whole file is read, for the progress bar.
    var afterReading: String? = nil

    /// The summary and the report's path; throws `CLIError` for a file or report that cannot be used.
    ///
    /// - Parameter pass: runs the pass over the input with a validator and the handlers (a plain
    ///   validation, an import, a conversion); it may add an `accepted` handler.
    func run(_ pass: (TokenInput, FileValidator, FileValidator.Handlers) throws -> ValidationSummary) throws -> (ValidationSummary, String) {
        let input = try options.reading.input(path: options.file)
        let validator = try options.reading.validator(entra: options.entra)
        let reportPath = options.reportPath
        for (flag, path) in [("--report", reportPath), ("--rejects", options.rejects)] {
            if let path, sameFile(path, options.file) {
                throw CLIError("\(flag) names the input file itself; writing it would destroy the input: choose another path")
            }
        }
        let report: ErrorReport
        do { report = try ErrorReport(path: reportPath) } catch { throw CLIError("\(error); choose another place with --report") }
        let rejects: CSVWriter?
        do { rejects = try options.rejects.map { try CSVWriter(path: $0, permissions: 0o600) } } catch {
            throw CLIError("\(error)")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: options.file)[.size] as? Int) ?? nil
        let progress = ProgressBar(label: "Checking \(URL(fileURLWithPath: options.file).lastPathComponent)", total: size,
                                   afterwards: afterReading)
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
            summary = try pass(input, validator, handlers)
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

/// True when two paths name one existing file (after symbolic links), so writing one would overwrite the other.
func sameFile(_ a: String, _ b: String) -> Bool {
    var first = stat(), second = stat()
    guard stat(a, &first) == 0, stat(b, &second) == 0 else { return false }
    return first.st_dev == second.st_dev && first.st_ino == second.st_ino
}
