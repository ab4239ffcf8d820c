/// Finds the first line that is not UTF-8, streaming, before XML reaches Foundation's parser.
///
/// Why: FoundationXML on Linux traps (crashes the process) on invalid UTF-8 inside an XML comment,
/// which the PSKC fuzzer found; checking the bytes first turns such a file into a finding.
enum UTF8Check {
    /// The 1-based line of the first invalid byte, or nil when all of the source is UTF-8.
    static func firstInvalidLine(_ source: inout some ByteSource) throws(ByteSourceError) -> Int? {
        var chunk: [UInt8] = []
        var carry: [UInt8] = []
        var line = 1
        while true {
            try source.read(into: &chunk)
            if chunk.isEmpty { return carry.isEmpty ? nil : line }
            var bytes = carry + chunk
            // A sequence cut by the chunk's end (a lead byte and fewer continuations) waits for the next chunk.
            var lead = bytes.count - 1
            while lead > 0, bytes.count - lead <= 3, bytes[lead] & 0xC0 == 0x80 { lead -= 1 }
            let needed = bytes[lead] >= 0xF0 ? 4 : bytes[lead] >= 0xE0 ? 3 : bytes[lead] >= 0xC0 ? 2 : 1
            carry = needed > bytes.count - lead ? Array(bytes[lead...]) : []
            bytes.removeLast(carry.count)
            // A line break never sits inside a sequence, so lines can be checked one by one.
            for lineBytes in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
                if String(validating: lineBytes, as: UTF8.self) == nil { return line }
                line += 1
            }
            line -= 1
        }
    }
}
