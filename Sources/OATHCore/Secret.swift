/// Key material of one token: raw seed bytes that must never be printed.
///
/// `description` and `debugDescription` are redacted so that a secret interpolated into a log
/// line, an error or a test failure shows its length and nothing else.
public struct Secret: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The raw seed bytes. Read them only to derive keys or to seal them.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    /// Seed strength in bits; RFC 4226 section 4 asks for at least 128.
    public var bitCount: Int { bytes.count * 8 }

    public var description: String { "Secret(\(bytes.count) bytes, redacted)" }
    public var debugDescription: String { description }
}
