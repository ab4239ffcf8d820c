import ArgumentParser
import Foundation

/// How a command prints its result: for people, or as one JSON object for scripts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

enum JSONOutput {
    /// Prints a value as one line of JSON with sorted keys (a stable shape for scripts).
    static func print(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        Swift.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// "1 token", "2 tokens": a count with its noun, for messages.
func counted(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
