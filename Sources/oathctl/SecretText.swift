import Foundation

/// Secrets and keys read from files or standard input: the bytes without surrounding white space.
/// Never echoed, never turned into an error message.
enum SecretText {
    /// The bytes without leading and trailing spaces, tabs and line breaks.
    static func trimmed(_ bytes: [UInt8]) -> [UInt8] {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        return Array(bytes.drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }

    /// A secret, key or password file's trimmed bytes; `what` names it in the error.
    static func read(file path: String, what: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError("cannot read the \(what) file \(path): it does not exist or is not readable")
        }
        return trimmed(Array(data))
    }
}
