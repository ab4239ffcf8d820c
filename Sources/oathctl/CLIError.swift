import ArgumentParser
import TokenImport

/// An error the CLI reports in one line, with the exit status it documents.
struct CLIError: Error, CustomStringConvertible {
    /// Exit status for a misused command or an input that cannot be used at all.
    static let misuseStatus: Int32 = 2

    let description: String
    let status: Int32

    init(_ message: String, status: Int32 = CLIError.misuseStatus) {
        description = message
        self.status = status
    }
}

extension CLIError {
    /// Prints the message on standard error (paths and names from the command line escaped, as
    /// every text that reaches the terminal is) and exits with `status`.
    func exit() -> ExitCode {
        Terminal.printError("oathctl: \(DisplayText.escaped(description))")
        if JSONOutput.errorsAsJSON { JSONOutput.printError(description, status: status) }
        return ExitCode(status)
    }
}
