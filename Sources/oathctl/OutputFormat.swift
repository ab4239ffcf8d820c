import ArgumentParser
import Foundation

/// How a command prints its result: for people, or as one JSON object for scripts.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

enum JSONOutput {
    /// True when the command line asked for `--format json`: errors then go to standard output as
    /// JSON too (`{"error": {...}}`), so a script always reads JSON. Set once, in `main`, before any command runs.
    nonisolated(unsafe) static var errorsAsJSON = false

    /// Whether arguments ask for JSON output.
    static func asksForJSON(_ arguments: [String]) -> Bool {
        zip(arguments, arguments.dropFirst()).contains { $0 == "--format" && $1 == "json" } || arguments.contains("--format=json")
    }

    /// Prints a value as one line of JSON with sorted keys (a stable shape for scripts). Every
    /// property is present: a nil one is written as `null` rather than left out, so a script
    /// finds each documented key.
    static func print(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        let object = withNulls(try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]), for: value)
        let text = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        Swift.print(String(decoding: text, as: UTF8.self))
    }

    /// Prints an error as `{"error": {"message": ..., "exitStatus": ...}}` on standard output.
    static func printError(_ message: String, status: Int32) {
        try? print(["error": ErrorBody(message: message, exitStatus: status)])
    }

    private struct ErrorBody: Encodable {
        var message: String
        var exitStatus: Int32
    }

    /// The decoded JSON with a `null` for each property of `value` that is nil (JSONEncoder leaves them out).
    private static func withNulls(_ json: Any, for value: Any) -> Any {
        if var object = json as? [String: Any] {
            for child in Mirror(reflecting: value).children {
                guard let label = child.label else { continue }
                if let present = object[label] {
                    object[label] = withNulls(present, for: child.value)
                } else if isNil(child.value) {
                    object[label] = NSNull()
                }
            }
            return object
        }
        if let array = json as? [Any] {
            let values = Mirror(reflecting: value).children.map(\.value)
            guard values.count == array.count else { return array }
            return zip(array, values).map { withNulls($0, for: $1) }
        }
        return json
    }

    private static func isNil(_ value: Any) -> Bool {
        let mirror = Mirror(reflecting: value)
        return mirror.displayStyle == .optional && mirror.children.isEmpty
    }
}

/// "1 token", "2 tokens": a count with its noun, for messages.
func counted(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
