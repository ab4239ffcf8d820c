import ArgumentParser
import TokenDomain
import TokenService

extension Oathctl {
    /// `oathctl activate SERIAL`: the helpdesk flow.
    struct Activate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Activate an assigned token with the code it shows now.",
            discussion: """
            Tolerates the drift of a token that sat in a drawer: by default a day either side for \
            30-second tokens and two days for 60-second tokens (policy activation.window-seconds-30/60). \
            On success the drift is stored and the code's step becomes the replay floor. A wrong code \
            counts toward the lockout. The code is typed when asked, or read from standard input; never \
            from the command line, where ps and the shell's history would keep it.

            Example:
              oathctl activate 100001                               # asks for the code
              printf '%s\\n' 123456 | oathctl activate 100001 --user helga@contoso.com   # assign and activate

            Exit status: 0 activated, 1 refused (wrong or reused code, locked), 2 misuse or store error.
            """
        )

        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The token's serial number.") var serial: String
        @OptionGroup var codeRefusal: CodeOptionRefusal
        @Option(help: ArgumentHelp("Assign the token to this user first (same rules as assign).", valueName: "upn")) var user: String?
        @Option(help: "Output: text or json.") var format: OutputFormat = .text

        func run() async throws {
            let service = try await storeOptions.open()
            let typed = try codes(["Code shown on token \(serial): "])[0]
            let outcome = try await storeOperation { try await service.activate(serial: serial, code: typed, user: user, context: storeOptions.context) }
            try CheckPrinter(format: format, kind: .activation).finish(outcome)
        }
    }

    /// `oathctl verify SERIAL`: a sign-in check.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check a code as a sign-in would: small window around the stored drift, replay floor, lockout.",
            discussion: """
            The code is typed when asked, or read from standard input (printf '%s\\n' 123456 | oathctl verify 100001).

            Exit status: 0 accepted, 1 refused (with the reason), 2 misuse or store error.
            """
        )

        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The token's serial number.") var serial: String
        @OptionGroup var codeRefusal: CodeOptionRefusal
        @Option(help: "Output: text or json.") var format: OutputFormat = .text

        func run() async throws {
            let service = try await storeOptions.open()
            let typed = try codes(["Code shown on token \(serial): "])[0]
            let outcome = try await storeOperation { try await service.verify(serial: serial, code: typed, context: storeOptions.context) }
            try CheckPrinter(format: format, kind: .signIn).finish(outcome)
        }
    }

    /// `oathctl resync SERIAL`, with two consecutive codes typed or piped.
    struct Resync: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-synchronise a token from two consecutive codes (for drift beyond the sign-in window).",
            discussion: """
            Searches a wide window (policy resync.window-seconds, default a day either side) for two \
            consecutive steps showing the two codes, stores the new drift and never moves the replay floor backwards. \
            The two codes are typed when asked, or read from standard input (printf '%s %s\\n' 123456 654321 | oathctl resync 100001).
            """
        )

        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The token's serial number.") var serial: String
        @OptionGroup var codeRefusal: CodeOptionRefusal
        @Option(help: "Output: text or json.") var format: OutputFormat = .text

        func run() async throws {
            let service = try await storeOptions.open()
            let typed = try codes(["A code shown on token \(serial): ", "The next code it shows: "])
            let outcome = try await storeOperation { try await service.resync(serial: serial, first: typed[0], second: typed[1], context: storeOptions.context) }
            try CheckPrinter(format: format, kind: .resync).finish(outcome)
        }
    }

    /// `oathctl unlock SERIAL`.
    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a token's lockout early and clear its denied attempts.")

        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The token's serial number.") var serial: String

        func run() async throws {
            let service = try await storeOptions.open()
            let wasLocked = try await storeOperation { try await service.unlock(serial: serial, context: storeOptions.context) }
            print(wasLocked ? "Unlocked \(serial)" : "\(serial) was not locked; its denied attempts were cleared")
        }
    }
}

/// Reads codes as `readCodes` does, printing a miscount as every CLI error is printed.
private func codes(_ prompts: [String]) throws -> [String] {
    do { return try readCodes(prompts: prompts) } catch let error as CLIError { throw error.exit() }
}
