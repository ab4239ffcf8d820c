import Foundation

/// RFC 4648 Base64 read strictly: white space between characters is allowed (XML wraps long
/// values), anything else outside the alphabet is an error, never silently dropped (a seed with
/// a stray character dropped would be a different seed).
enum Base64Strict {
    /// The decoded bytes, or nil when the text is not Base64.
    static func decode(_ bytes: some Collection<UInt8>) -> [UInt8]? {
        var compact = bytes.filter { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
        switch compact.count % 4 {
        case 2: compact += Array("==".utf8)
        case 3: compact.append(UInt8(ascii: "="))
        case 1: return nil
        default: break
        }
        guard let data = Data(base64Encoded: Data(compact)) else { return nil }
        return Array(data)
    }

    static func decode(_ text: String) -> [UInt8]? { decode(Array(text.utf8)) }
}
