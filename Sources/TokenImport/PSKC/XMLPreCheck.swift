/// Finds, streaming, what must not reach Foundation's XML parser: it crashes the process on both.
///
/// - Invalid UTF-8 inside an XML comment makes FoundationXML on Linux trap (found by the PSKC fuzzer).
/// - A processing instruction without data (`<?name?>`) makes FoundationXML call `strlen` on the
///   null pointer libxml2 hands it (found by the PSKC fuzzer). PSKC files carry no processing
///   instruction, so any but the XML declaration at the very start is refused.
enum XMLPreCheck {
    /// The 1-based line of the first problem and what it is, or nil when the source may be parsed.
    static func firstProblem(_ source: inout some ByteSource) throws(ByteSourceError) -> (line: Int, message: String)? {
        var chunk: [UInt8] = []
        var carry: [UInt8] = []
        var line = 1
        var offset = 0
        var previous: UInt8 = 0
        var declaration: [UInt8]? // the file's first bytes, to tell its XML declaration
        while true {
            try source.read(into: &chunk)
            if chunk.isEmpty { return carry.isEmpty ? nil : (line, notUTF8(line)) }
            var bytes = carry + chunk
            if declaration == nil {
                // Read ahead until the first bytes can tell `<?xml ` from another instruction.
                var more: [UInt8] = []
                while bytes.count < 4096 {
                    try source.read(into: &more)
                    if more.isEmpty { break }
                    bytes += more
                }
                declaration = Array(bytes.prefix(4096))
            }
            // A sequence cut by the chunk's end (a lead byte and fewer continuations) waits for the next chunk.
            var lead = bytes.count - 1
            while lead > 0, bytes.count - lead <= 3, bytes[lead] & 0xC0 == 0x80 { lead -= 1 }
            let needed = bytes[lead] >= 0xF0 ? 4 : bytes[lead] >= 0xE0 ? 3 : bytes[lead] >= 0xC0 ? 2 : 1
            carry = needed > bytes.count - lead ? Array(bytes[lead...]) : []
            bytes.removeLast(carry.count)
            // A line break never sits inside a sequence, so lines can be checked one by one.
            for (index, lineBytes) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
                if index > 0 {
                    line += 1
                    offset += 1
                    previous = 0x0A
                }
                if String(validating: lineBytes, as: UTF8.self) == nil { return (line, notUTF8(line)) }
                for byte in lineBytes {
                    if previous == UInt8(ascii: "<"), byte == UInt8(ascii: "?"), !startsWithDeclaration(declaration ?? [], at: offset - 1) {
                        return (line, "line \(line) has an XML processing instruction (<?...?>); PSKC files carry none: remove it or ask the vendor for the plain PSKC file")
                    }
                    previous = byte
                    offset += 1
                }
            }
        }
    }

    /// True for `<?xml` and a space at the start of the file (after a byte-order mark and any white space).
    private static func startsWithDeclaration(_ first: [UInt8], at position: Int) -> Bool {
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        var start = first.starts(with: bom) ? 3 : 0
        while start < first.count, [0x20, 0x09, 0x0A, 0x0D].contains(first[start]) { start += 1 }
        guard position == start, first.count >= start + 6 else { return false }
        return Array(first[start..<start + 5]) == Array("<?xml".utf8) && [0x20, 0x09, 0x0D, 0x0A].contains(first[start + 5])
    }

    private static func notUTF8(_ line: Int) -> String {
        "line \(line) is not UTF-8; PSKC files are read as UTF-8 (ask the vendor for a UTF-8 file)"
    }
}
