extension Base32 {
    /// Why a text is not a strict-profile Base32 secret. Descriptions never quote the text.
    public enum DecodingError: Error, Equatable, Sendable, CustomStringConvertible {
        /// Nothing to decode.
        case empty
        /// A byte outside `A-Z a-z 2-7` at a 1-based position; `looksLikeHex` when the whole text is hex.
        case invalidCharacter(UInt8, position: Int, looksLikeHex: Bool)
        /// More characters than the upload accepts.
        case tooLong(length: Int, maximum: Int)
        /// A length no byte string encodes to (1, 3 or 6 characters past a multiple of 8).
        case impossibleLength(Int)

        public var description: String {
            switch self {
            case .empty:
                return "secret is empty"
            case let .invalidCharacter(byte, position, looksLikeHex):
                let base = "\(Base32.describe(byte)) at position \(position) is not Base32 (only A-Z, a-z and 2-7 are allowed)"
                return looksLikeHex
                    ? base + "; it looks like a hex seed, which must be converted to Base32"
                    : base
            case let .tooLong(length, maximum):
                return "secret is \(length) characters long; at most \(maximum) are allowed"
            case let .impossibleLength(length):
                return "secret length \(length) cannot be Base32 (a length of 1, 3 or 6 past a multiple of 8 is impossible); a character is missing or extra"
            }
        }
    }

    /// Names the class of an invalid byte for a message, never the byte itself: a seed written in
    /// another alphabet (hex, Base64) is key material, and its characters must not reach a report.
    static func describe(_ byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: " "), 0x09: return "a space"
        case UInt8(ascii: "="): return "padding '='"
        case UInt8(ascii: "0"), UInt8(ascii: "1"), UInt8(ascii: "8"), UInt8(ascii: "9"): return "a digit outside 2-7"
        case 0x21...0x7E: return "a punctuation mark"
        case 0x80...: return "a non-ASCII character"
        default: return "a control character"
        }
    }
}
