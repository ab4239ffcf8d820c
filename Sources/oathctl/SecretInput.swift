import ArgumentParser
import Foundation
import OATHCore

/// Where a command reads one secret from: standard input or a file, never argv.
struct SecretInput: ParsableArguments {
    @Option(name: .customLong("secret-file"), help: ArgumentHelp(
        "Read the secret from this file instead of standard input.", valueName: "path"))
    var secretFile: String?

    @Flag(help: "The secret is hex (as many vendors ship seeds) rather than Base32.")
    var hex = false

    /// Reads and decodes the secret. Base32 input may carry spaces, dashes, padding and lowercase.
    func read() throws -> Secret {
        var raw = try secretFile.map { try SecretText.read(file: $0, what: "secret") }
            ?? Terminal.readInput(prompt: hex ? "Secret (hex, hidden): " : "Secret (Base32, hidden): ", hidden: true)
        var trimmed = SecretText.trimmed(raw)
        defer {
            for i in raw.indices { raw[i] = 0 }
            for i in trimmed.indices { trimmed[i] = 0 }
        }
        if trimmed.isEmpty { throw CLIError("no secret given: pipe it on standard input or use --secret-file") }
        do {
            if hex { return Secret(bytes: try Hex.decode(utf8: trimmed)) }
            let normalized = Base32.normalize(String(decoding: trimmed, as: UTF8.self))
            return Secret(bytes: try Base32.decode(normalized.text, maxLength: nil))
        } catch let error as Hex.DecodingError {
            throw CLIError("the secret is not valid hex: \(error)")
        } catch let error as Base32.DecodingError {
            throw CLIError("the secret is not valid Base32: \(error) (pass --hex for a hex seed)")
        }
    }
}
