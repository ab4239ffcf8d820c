/// Base32 as RFC 4648 section 6 defines it, in the profile the token upload accepts.
///
/// Hand-written over UTF-8 bytes with a lookup table: it is the product's core input path
/// (every row of a million-row file passes through it) and a table loop is ~100x faster than
/// a character-by-character `String` walk.
public enum Base32 {
    /// The longest secret the upload format accepts, in characters.
    public static let uploadMaxLength = 128

    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// Symbol value for each byte, or 0xFF for a byte outside the alphabet. Lowercase letters count.
    static let decodeTable: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, symbol) in alphabet.enumerated() {
            table[Int(symbol)] = UInt8(value)
            if symbol >= UInt8(ascii: "A"), symbol <= UInt8(ascii: "Z") { table[Int(symbol) + 32] = UInt8(value) }
        }
        return table
    }()

    /// Encodes bytes; `padding` adds `=` to a multiple of 8 characters as RFC 4648 publishes.
    public static func encode(_ bytes: [UInt8], padding: Bool = false) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count * 8 + 4) / 5 + 6)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[Int((buffer >> UInt32(bits)) & 0x1F)])
            }
        }
        if bits > 0 { out.append(alphabet[Int((buffer << UInt32(5 - bits)) & 0x1F)]) }
        if padding { while out.count % 8 != 0 { out.append(UInt8(ascii: "=")) } }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes text in the upload's strict profile: only `A-Z`, `a-z`, `2-7`, no padding or spaces,
    /// at most `maxLength` characters, and a length that some byte string encodes to.
    ///
    /// Trailing bits that do not fill a byte are dropped, as oathtool and pyotp do.
    /// - Throws: `Base32.DecodingError` naming the first problem; never the secret itself.
    public static func decode(_ text: some StringProtocol, maxLength: Int? = uploadMaxLength) throws(DecodingError) -> [UInt8] {
        var utf8 = Array(text.utf8)
        defer { for i in utf8.indices { utf8[i] = 0 } }
        return try decode(utf8: utf8, maxLength: maxLength)
    }

    /// `decode(_:maxLength:)` over raw bytes, for callers that never made a `String` of the secret.
    public static func decode(utf8: some Collection<UInt8>, maxLength: Int? = uploadMaxLength) throws(DecodingError) -> [UInt8] {
        let result = utf8.withContiguousStorageIfAvailable { buffer in
            Result { () throws(DecodingError) in try decode(buffer: buffer, maxLength: maxLength) }
        } ?? Result { () throws(DecodingError) in try decode(utf8: ArraySlice(utf8), maxLength: maxLength) }
        return try result.get()
    }

    /// `decode(utf8:maxLength:)` for a slice of a row's bytes, the import's hot path: a concrete
    /// type, so callers in other modules skip the generic wrapper (measured 7% of `validate`).
    public static func decode(utf8: ArraySlice<UInt8>, maxLength: Int? = uploadMaxLength) throws(DecodingError) -> [UInt8] {
        try utf8.withUnsafeBufferPointer { (buffer) throws(DecodingError) in try decode(buffer: buffer, maxLength: maxLength) }
    }

    /// The decoder proper, on contiguous bytes so that callers in other modules get a specialised loop.
    private static func decode(buffer: UnsafeBufferPointer<UInt8>, maxLength: Int?) throws(DecodingError) -> [UInt8] {
        let count = buffer.count
        if count == 0 { throw .empty }
        if let maxLength, count > maxLength { throw .tooLong(length: count, maximum: maxLength) }
        // Written into uninitialised storage: no capacity or uniqueness check per byte on this hot path.
        var failure: DecodingError?
        let out = [UInt8](unsafeUninitializedCapacity: count * 5 / 8) { output, written in
            var accumulator: UInt32 = 0
            var bits = 0
            var position = 0
            decodeTable.withUnsafeBufferPointer { table in
                for byte in buffer {
                    let value = table[Int(byte)]
                    if value == 0xFF {
                        failure = .invalidCharacter(byte, position: position + 1, looksLikeHex: looksLikeHex(buffer))
                        return
                    }
                    position += 1
                    accumulator = (accumulator << 5) | UInt32(value)
                    bits += 5
                    if bits >= 8 {
                        bits -= 8
                        output[written] = UInt8(truncatingIfNeeded: accumulator >> UInt32(bits))
                        written += 1
                    }
                }
            }
            accumulator = 0
        }
        if let failure { throw failure }
        // 1, 3 or 6 leftover symbols carry fewer than 8 bits of a byte plus more than 4 spare bits:
        // no byte string encodes to such a length (RFC 4648 section 6 lists the five final quanta).
        let tail = count % 8
        if tail == 1 || tail == 3 || tail == 6 { throw .impossibleLength(count) }
        return out
    }

    /// The number of bytes `decode` would return for these UTF-8 bytes (with no length limit),
    /// or nil when it would throw; decodes nothing, so a check that only needs the verdict
    /// allocates nothing.
    public static func decodedCount(validating buffer: UnsafeBufferPointer<UInt8>) -> Int? {
        let count = buffer.count, tail = count % 8
        if count == 0 || tail == 1 || tail == 3 || tail == 6 { return nil }
        let valid = decodeTable.withUnsafeBufferPointer { table in
            // Symbols are 0-31 and other bytes 0xFF, so the OR of all stays below 32 only if every byte is a symbol.
            var merged: UInt8 = 0
            for byte in buffer { merged |= table[Int(byte)] }
            return merged < 32
        }
        return valid ? count * 5 / 8 : nil
    }

    /// Decodes into `output` (at least `buffer.count * 5 / 8` bytes) what `decode` would accept,
    /// allocating nothing, and checks it in the same pass: the clean lane fingerprints every
    /// row's seed this way.
    /// - Returns: the number of bytes written, or nil when `decode` would throw.
    public static func decode(validating buffer: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>) -> Int? {
        let count = buffer.count, tail = count % 8
        if count == 0 || tail == 1 || tail == 3 || tail == 6 { return nil }
        var accumulator: UInt32 = 0, bits = 0, written = 0
        // Symbols are 0-31 and other bytes 0xFF: the OR of all stays below 32 only if every byte is a symbol.
        var merged: UInt8 = 0
        decodeTable.withUnsafeBufferPointer { table in
            for byte in buffer {
                let value = table[Int(byte)]
                merged |= value
                accumulator = (accumulator << 5) | UInt32(value & 0x1F)
                bits += 5
                if bits >= 8 {
                    bits -= 8
                    output[written] = UInt8(truncatingIfNeeded: accumulator >> UInt32(bits))
                    written += 1
                }
            }
        }
        return merged < 32 ? written : nil
    }

    /// True when a byte is one of the 32 symbols (either case).
    public static func isSymbol(_ byte: UInt8) -> Bool { decodeTable[Int(byte)] != 0xFF }

    /// True when text is made only of hex digits and has an even length, like a vendor's hex seed.
    public static func looksLikeHex(_ utf8: some Collection<UInt8>) -> Bool {
        guard !utf8.isEmpty, utf8.count % 2 == 0 else { return false }
        return utf8.allSatisfy { b in
            (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66)
        }
    }
}
