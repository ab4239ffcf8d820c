/// Lines of a byte source, numbered from 1, without their line feeds.
///
/// Memory stays bounded: a line longer than `maxLine` keeps its start and the rest is dropped
/// up to its line feed, so the lines and their numbers are the same however the source is
/// chunked. Each byte is searched for a line feed once, whatever the chunk size.
struct LineReader<Source: ByteSource> {
    private var source: Source
    private var buffer: [UInt8] = []
    private var chunk: [UInt8] = []
    /// Where the current line starts in `buffer`.
    private var position = 0
    /// Where the search for its line feed goes on (the bytes before were searched already).
    private var searched = 0
    private var number = 0
    private var ended = false
    /// True while the rest of an overlong line is being dropped.
    private var skipping = false
    /// Longest line kept (no record line is near it).
    static var maxLine: Int { 1 << 16 }

    init(source: Source) { self.source = source }

    mutating func next() throws(ByteSourceError) -> (Int, [UInt8])? {
        while true {
            if let feed = buffer[searched...].firstIndex(of: 0x0A) {
                let start = position
                position = feed + 1
                searched = position
                if skipping {
                    skipping = false
                    continue
                }
                number += 1
                return (number, Array(buffer[start..<feed].prefix(Self.maxLine)))
            }
            searched = buffer.count
            if ended {
                guard position < buffer.count, !skipping else { return nil }
                let start = position
                position = buffer.count
                number += 1
                return (number, Array(buffer[start...].prefix(Self.maxLine)))
            }
            buffer.removeSubrange(..<position)
            searched -= position
            position = 0
            if skipping {
                buffer.removeAll(keepingCapacity: true)
                searched = 0
            } else if buffer.count > Self.maxLine {
                // The start of an overlong line: hand it over now, drop the rest as it comes.
                number += 1
                let line = Array(buffer.prefix(Self.maxLine))
                buffer.removeAll(keepingCapacity: true)
                searched = 0
                skipping = true
                return (number, line)
            }
            try source.read(into: &chunk)
            if chunk.isEmpty { ended = true } else { buffer += chunk }
        }
    }
}
