import Foundation
import TokenImport

/// Prints a validation or import summary for people or as JSON.
struct SummaryPrinter {
    let format: OutputFormat

    /// The JSON shape of a summary (documented in the README; keys are stable).
    struct JSONSummary: Encodable {
        var file: String
        var report: String
        var rowsRead: Int
        var accepted: Int
        var rejected: Int
        var warnings: Int
        var counts: [String: Int]
        var fileUnusable: Bool
        var exitStatus: Int32
        var stored: StoreCounts?
    }

    /// What an import did to the store.
    struct StoreCounts: Encodable {
        var added: Int
        var unchanged: Int
        var batch: Int64?
    }

    func print(_ summary: ValidationSummary, file: String, report: String, verb: String, stored: StoreCounts? = nil) {
        switch format {
        case .json:
            try? JSONOutput.print(JSONSummary(file: file, report: report, rowsRead: summary.rowsRead, accepted: summary.accepted,
                                              rejected: summary.rejected, warnings: summary.warnings, counts: summary.counts,
                                              fileUnusable: summary.fileUnusable, exitStatus: summary.exitStatus, stored: stored))
        case .text:
            if summary.fileUnusable {
                Swift.print("\(file): the file cannot be used (see the error report)")
            } else {
                Swift.print("\(verb) \(file): \(summary.rowsRead) rows read, \(summary.accepted) accepted, \(summary.rejected) rejected, \(summary.warnings) warnings")
            }
            if let stored {
                Swift.print("Store: \(stored.added) added, \(stored.unchanged) unchanged" + (stored.batch.map { " (batch \($0))" } ?? ""))
            }
            for (code, count) in summary.counts.sorted(by: { $0.key < $1.key }) {
                Swift.print("  \(code.padding(toLength: 26, withPad: " ", startingAt: 0)) \(count)")
            }
            let findings = summary.counts.values.reduce(0, +)
            Swift.print("Error report: \(report) (\(findings) finding\(findings == 1 ? "" : "s"))")
        }
    }
}
