/// Lines of a byte source, numbered from 1, without their line feeds.
struct LineReader<Source: ByteSource> {
    private var source: Source
    private var buffer: [UInt8] = []
    private var chunk: [UInt8] = []
    private var position = 0
    private var number = 0
    private var ended = false
    /// Longest line kept; the rest of a longer line is dropped (no record line is near it).
    private static var maxLine: Int { 1 << 16 }

    init(source: Source) { self.source = source }

    mutating func next() throws(ByteSourceError) -> (Int, [UInt8])? {
        while true {
            if let feed = buffer[position...].firstIndex(of: 0x0A) {
                let line = Array(buffer[position..<feed].prefix(Self.maxLine))
                position = feed + 1
                number += 1
                return (number, line)
            }
            if ended {
                guard position < buffer.count else { return nil }
                let line = Array(buffer[position...].prefix(Self.maxLine))
                position = buffer.count
                number += 1
                return (number, line)
            }
            buffer.removeSubrange(..<position)
            position = 0
            if buffer.count > Self.maxLine {
                // A line longer than any record line: keep its start, so memory stays bounded.
                number += 1
                let line = Array(buffer.prefix(Self.maxLine))
                buffer.removeAll(keepingCapacity: true)
                return (number, line)
            }
            try source.read(into: &chunk)
            if chunk.isEmpty { ended = true } else { buffer += chunk }
        }
    }
}
