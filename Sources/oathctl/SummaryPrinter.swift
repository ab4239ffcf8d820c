import Foundation
import TokenImport
import TokenService

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

    func print(_ summary: ValidationSummary, file: String, report: String, verb: String, stored: StoreCounts? = nil) {
        let file = DisplayText.escaped(file), report = DisplayText.escaped(report)
        switch format {
        case .json:
            try? JSONOutput.print(JSONSummary(file: file, report: report, rowsRead: summary.rowsRead, accepted: summary.accepted,
                                              rejected: summary.rejected, warnings: summary.warnings, counts: summary.counts,
                                              fileUnusable: summary.fileUnusable, exitStatus: summary.exitStatus, stored: stored))
        case .text:
            if summary.fileUnusable {
                Swift.print("\(file): the file cannot be used (see the error report)")
            } else {
                Swift.print("\(verb) \(file): \(counted(summary.rowsRead, "row")) read, \(summary.accepted) accepted, \(summary.rejected) rejected, \(counted(summary.warnings, "warning"))")
            }
            if let stored {
                if stored.committed {
                    Swift.print("Stored: \(stored.added) added, \(stored.assigned) assigned, \(stored.unchanged) unchanged (batch \(stored.batch ?? 0))")
                } else {
                    Swift.print("Stored: nothing (--atomic and rows were rejected, or the file is unusable); the store is unchanged")
                }
            }
            for (code, count) in summary.counts.sorted(by: { $0.key < $1.key }) {
                Swift.print("  \(code.padding(toLength: 26, withPad: " ", startingAt: 0)) \(count)")
            }
            Swift.print("Error report: \(report) (\(counted(summary.counts.values.reduce(0, +), "finding")))")
        }
    }
}
