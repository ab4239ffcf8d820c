import ArgumentParser
import Foundation
import TokenImport

/// Options shared by the commands that read a token file (`validate`, `import`, `convert`).
struct FileCheckOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The token file: an upload-style CSV (header row required), a PSKC (RFC 6030) XML file, an OATH CSV or a SafeWord .dat file; - reads standard input.",
                                 valueName: "file"))
    var file: String

    @Option(help: ArgumentHelp("Where to write the error report (default: Failures_<file name>.csv beside the file).", valueName: "path"))
    var report: String?

    @Option(help: ArgumentHelp("Also write the rejected rows, with the header, for fixing and re-loading. Holds secrets: created 0600.", valueName: "path"))
    var rejects: String?

    @Flag(help: "Check exactly as the Microsoft Entra upload would: UPN required, SHA-1 only, 6 digits.")
    var entra = false

    @Option(name: .customLong("input-format"), help: ArgumentHelp(
        "auto (PSKC and SafeWord .dat told by content, else CSV with a header), csv, oath-csv (headerless: serial, hex seed[, type[, digits[, step[, hash]]]]), pskc or safeword-dat.",
        valueName: "format"))
    var inputFormat: InputFormat = .auto

    @Option(help: "Output: text or json.")
    var format: OutputFormat = .text

    @OptionGroup(title: "Reading vendor files") var reading: ReadOptions

    /// True when the input is `-`: standard input, spooled to a private temporary file first.
    var readsStandardInput: Bool { file == "-" }

    /// The input's name in messages and in the default report name.
    var displayName: String { readsStandardInput ? "stdin" : URL(fileURLWithPath: file).lastPathComponent }

    /// The report path: the option, else `Failures_<name>.csv` beside the input (in the current folder
    /// for standard input), as the Entra portal names its download. A PSKC or other input's own
    /// extension gives way to `.csv`, since the report is CSV.
    var reportPath: String {
        if let report { return report }
        let base = URL(fileURLWithPath: displayName).deletingPathExtension().lastPathComponent
        let name = "Failures_" + base + ".csv"
        if readsStandardInput { return name }
        return URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// The file to read: the input itself, or standard input copied to a 0600 temporary file
    /// (a pass reads its input more than once: to tell its format, to digest it, to parse it).
    func source() throws -> InputSource {
        guard readsStandardInput else { return InputSource(path: file, isTemporary: false) }
        var template = Array((NSTemporaryDirectory() + "/oathctl-stdin-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw CLIError("cannot spool standard input: \(String(cString: strerror(errno)))") }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let source = InputSource(path: path, isTemporary: true)
        defer { _ = Glibc.close(fd) }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = Glibc.read(STDIN_FILENO, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw CLIError("cannot read standard input: \(String(cString: strerror(errno)))") }
            if count == 0 { break }
            guard buffer.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, count) }) == count else {
                throw CLIError("cannot spool standard input: \(String(cString: strerror(errno)))")
            }
        }
        return source
    }
}

/// The file a pass reads; a spooled copy of standard input is removed when the pass is done.
final class InputSource {
    let path: String
    private let isTemporary: Bool

    init(path: String, isTemporary: Bool) {
        self.path = path
        self.isTemporary = isTemporary
    }

    deinit { if isTemporary { unlink(path) } }
}

extension InputFormat: ExpressibleByArgument {}
