import ArgumentParser
import Foundation
import OATHCore

extension Oathctl {
    /// `oathctl code`: the offline twin of `oathtool --totp -b`.
    struct Code: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the TOTP code a token shows, from its seed (read from standard input, never argv).",
            discussion: """
            Use it to check a token against its vendor seed before loading it anywhere.

            Example (RFC 6238 test seed, 8 digits at T=59):
              printf %s GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ |
                oathctl code --time 59 --digits 8
              94287082
            """
        )

        @OptionGroup var secret: SecretInput

        @Option(help: ArgumentHelp("Unix time to compute the code for (default: now, or OATHCTL_NOW).", valueName: "seconds"))
        var time: UInt64?

        @Option(help: "Seconds per code: 30 or 60.")
        var step: UInt64 = 30

        @Option(help: "Digits in the code: 6 or 8.")
        var digits = 6

        @Option(help: "HMAC hash: sha1, sha256 or sha512.")
        var hash: HashAlgorithm = .sha1

        func validate() throws {
            guard step == 30 || step == 60 else { throw ValidationError("--step must be 30 or 60 (the upload format allows only these)") }
            guard digits == 6 || digits == 8 else { throw ValidationError("--digits must be 6 or 8") }
            if let time, time > Clock.latest { throw ValidationError("--time must be at most \(Clock.latest) (the end of the year 9999)") }
        }

        func run() throws {
            let seed: Secret
            do { seed = try secret.read() } catch let error as CLIError { throw error.exit() }
            let key = HMACKey(secret: seed, algorithm: hash)
            let at = try time ?? Clock.now()
            print(OTP.format(OTP.totp(key: key, at: at, step: step, digits: digits), digits: digits))
        }
    }
}

extension HashAlgorithm: ExpressibleByArgument {}
