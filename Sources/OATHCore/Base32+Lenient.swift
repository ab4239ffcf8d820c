extension Base32 {
    /// What the lenient normaliser changed in a person's input, so a tool can say so.
    public struct Normalization: Sendable, Equatable {
        public var text: String
        public var removedSpaces = 0
        public var removedDashes = 0
        public var removedPadding = 0
        public var uppercased = false

        /// True when the input was already in strict form.
        public var isUnchanged: Bool { removedSpaces == 0 && removedDashes == 0 && removedPadding == 0 && !uppercased }

        /// A sentence for people: "removed 3 spaces, uppercased".
        public var summary: String {
            var parts: [String] = []
            if removedSpaces > 0 { parts.append("removed \(removedSpaces) space(s)") }
            if removedDashes > 0 { parts.append("removed \(removedDashes) dash(es)") }
            if removedPadding > 0 { parts.append("removed \(removedPadding) '=' padding character(s)") }
            if uppercased { parts.append("uppercased") }
            return parts.isEmpty ? "unchanged" : parts.joined(separator: ", ")
        }
    }

    /// Normalises text typed or pasted by people: strips white space, dashes and trailing `=`, uppercases.
    ///
    /// The result still has to pass `decode(_:maxLength:)`; this only removes the usual noise.
    public static func normalize(_ input: some StringProtocol) -> Normalization {
        var result = Normalization(text: "")
        var bytes: [UInt8] = []
        bytes.reserveCapacity(input.utf8.count)
        for byte in input.utf8 {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): result.removedSpaces += 1
            case UInt8(ascii: "-"): result.removedDashes += 1
            case UInt8(ascii: "="): result.removedPadding += 1
            case UInt8(ascii: "a")...UInt8(ascii: "z"):
                result.uppercased = true
                bytes.append(byte - 32)
            default: bytes.append(byte)
            }
        }
        result.text = String(decoding: bytes, as: UTF8.self)
        return result
    }
}
