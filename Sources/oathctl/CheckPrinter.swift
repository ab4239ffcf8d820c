import ArgumentParser
import Foundation
import TokenStore

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
    /// What was being done: activation, sign-in check or resync.
    let verb: String
    /// Describes the window searched, for a wrong-code message.
    let window: String

    func finish(_ outcome: CheckOutcome) throws {
        if format == .json {
            try JSONOutput.print(outcome)
        } else {
            print(outcome.accepted ? acceptedText(outcome) : refusedText(outcome))
        }
        if !outcome.accepted { throw ExitCode(1) }
    }

    private func acceptedText(_ o: CheckOutcome) -> String {
        let user = o.upn.map { " (\($0))" } ?? ""
        let drift = o.drift ?? 0, seconds = abs(o.driftSeconds ?? 0)
        let clock = drift == 0 ? "token clock is in step with this clock"
            : "token clock is \(counted(abs(drift), "step")) (\(seconds) s) \(drift > 0 ? "fast" : "slow")"
        return "\(verb) \(o.serial)\(user): accepted; \(clock)"
    }

    private func refusedText(_ o: CheckOutcome) -> String {
        let attempts = "Denied attempt \(o.failedAttempts) of \(o.lockoutThreshold) before lockout."
        switch o.reason {
        case .tokenLocked:
            let until = o.lockedUntil.map { Table.time($0) } ?? "later"
            return "Refused (token_locked): \(o.serial) is locked after too many denied attempts until \(until); the code was not checked. 'oathctl unlock \(o.serial)' ends it early."
        case .codeReused:
            return "Refused (code_reused): this code was already used; a code is accepted once. Ask for the next code. \(attempts)" + lockNote(o)
        case .codeMalformed:
            return "Refused (code_malformed): the code must be the digits the token shows (6 or 8); nothing was counted."
        case .wrongCode, nil:
            return "Refused (wrong_code): the code is not valid \(window); check the serial on the token and ask for the next code. \(attempts)" + lockNote(o)
        }
    }

    private func lockNote(_ o: CheckOutcome) -> String {
        o.lockedUntil.map { " The token is now locked until \(Table.time($0))." } ?? ""
    }
}
