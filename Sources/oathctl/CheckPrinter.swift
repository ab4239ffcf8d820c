import ArgumentParser
import Foundation
import TokenDomain
import TokenService

/// Reads the codes a command checks: typed when asked on a terminal, else from standard input
/// (separated by white space). Never from the command line, where `ps` and the shell's history
/// would keep them.
///
/// - Parameter prompts: one per code asked for.
func readCodes(prompts: [String]) throws -> [String] {
    if Terminal.stdinIsTTY {
        return try prompts.map { prompt in
            String(decoding: try Terminal.readInput(prompt: prompt, hidden: false), as: UTF8.self).trimmingCharacters(in: .whitespaces)
        }
    }
    let words = String(decoding: try Terminal.readInput(prompt: "", hidden: false), as: UTF8.self)
        .split(whereSeparator: \.isWhitespace).map(String.init)
    guard words.count == prompts.count else {
        throw CLIError("expected \(counted(prompts.count, "code")) on standard input, got \(words.count); for example: printf '%s\\n' 123456 | oathctl verify SERIAL",
                       status: 1)
    }
    return words
}

/// The option that once took a code on the command line: kept only to say how codes are given now.
struct CodeOptionRefusal: ParsableArguments {
    @Option(name: .customLong("code"), help: .hidden) var code: String?

    func validate() throws {
        if code != nil {
            throw ValidationError("codes are not taken from the command line (ps and shell history would keep them): type the code when asked, or pipe it: printf '%s\\n' 123456 | oathctl verify SERIAL")
        }
    }
}

/// Prints the outcome of a code check for the helpdesk (text) or scripts (JSON), and exits 1 on a refusal.
struct CheckPrinter {
    let format: OutputFormat
    /// Activation, sign-in check or resync.
    let kind: CheckWording.Kind

    func finish(_ outcome: CheckOutcome) throws {
        if format == .json {
            try JSONOutput.print(outcome)
        } else {
            print(CheckWording(kind, unlockHint: { "'oathctl unlock \($0)'" }, time: { Table.time($0) }).text(outcome))
        }
        if !outcome.accepted { throw ExitCode(1) }
    }
}
