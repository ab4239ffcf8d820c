/// Lines of a byte source, numbered from 1, without their line feeds.
///
/// Memory stays bounded: a line longer than `maxLine` keeps its start and the rest is dropped
/// up to its line feed, so the lines and their numbers are the same however the source is chunked.
struct LineReader<Source: ByteSource> {
    private var source: Source
    private var buffer: [UInt8] = []
    private var chunk: [UInt8] = []
    private var position = 0
    private var number = 0
    private var ended = false
    /// True while the rest of an overlong line is being dropped.
    private var skipping = false
    /// Longest line kept (no record line is near it).
    static var maxLine: Int { 1 << 16 }

    init(source: Source) { self.source = source }

    mutating func next() throws(ByteSourceError) -> (Int, [UInt8])? {
        while true {
            if let feed = buffer[position...].firstIndex(of: 0x0A) {
                if skipping {
                    skipping = false
                    position = feed + 1
                    continue
                }
                let line = Array(buffer[position..<feed].prefix(Self.maxLine))
                position = feed + 1
                number += 1
                return (number, line)
            }
            if ended {
                guard position < buffer.count, !skipping else { return nil }
                let line = Array(buffer[position...].prefix(Self.maxLine))
                position = buffer.count
                number += 1
                return (number, line)
            }
            buffer.removeSubrange(..<position)
            position = 0
            if skipping {
                buffer.removeAll(keepingCapacity: true)
            } else if buffer.count > Self.maxLine {
                // The start of an overlong line: hand it over now, drop the rest as it comes.
                number += 1
                let line = Array(buffer.prefix(Self.maxLine))
                buffer.removeAll(keepingCapacity: true)
                skipping = true
                return (number, line)
            }
            try source.read(into: &chunk)
            if chunk.isEmpty { ended = true } else { buffer += chunk }
        }
    }
}
