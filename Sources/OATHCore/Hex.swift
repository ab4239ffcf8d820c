/// Hexadecimal seeds, as vendors often ship them.
public enum Hex {
    /// Why a text is not hex. Descriptions never quote the text.
    public enum DecodingError: Error, Equatable, Sendable, CustomStringConvertible {
        case empty
        case oddLength(Int)
        case invalidCharacter(position: Int)

        public var description: String {
            switch self {
            case .empty: "hex secret is empty"
            case let .oddLength(n): "hex secret has \(n) digits; hex needs an even number"
            case let .invalidCharacter(p): "character at position \(p) is not a hex digit (0-9, a-f)"
            }
        }
    }

    /// Decodes hex digits (either case); white space is not allowed.
    public static func decode(utf8: some Collection<UInt8>) throws(DecodingError) -> [UInt8] {
        if utf8.isEmpty { throw .empty }
        if utf8.count % 2 != 0 { throw .oddLength(utf8.count) }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var high: UInt8 = 0
        for (index, byte) in utf8.enumerated() {
            guard let nibble = value(byte) else { throw .invalidCharacter(position: index + 1) }
            if index % 2 == 0 { high = nibble } else { out.append(high << 4 | nibble) }
        }
        return out
    }

    /// The value of one hex digit (either case), or nil.
    public static func value(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    /// Lowercase hex of bytes.
    public static func encode(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
