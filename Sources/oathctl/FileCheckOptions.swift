import ArgumentParser
import Foundation
import TokenImport

/// Options shared by the commands that read a token file (`validate`, `import`, `convert`).
struct FileCheckOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The token file: an upload-style CSV (header row required) or a PSKC (RFC 6030) XML file.", valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("Where to write the error report (default: Failures_<file name>.csv beside the file).", valueName: "path"))
    var report: String?

    @Option(help: ArgumentHelp("Also write the rejected rows, with the header, for fixing and re-loading. Holds secrets: created 0600.", valueName: "path"))
    var rejects: String?

    @Flag(help: "Check exactly as the Microsoft Entra upload would: UPN required, SHA-1 only, 6 digits.")
    var entra = false

    @Option(help: "Output: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Reading vendor files") var reading: ReadOptions

    /// The report path: the option, else `Failures_<name>.csv` beside the input, as the Entra portal names its download.
    var reportPath: String {
        if let report { return report }
        let url = URL(fileURLWithPath: file)
        return url.deletingLastPathComponent().appendingPathComponent("Failures_" + url.lastPathComponent).path
    }
}
