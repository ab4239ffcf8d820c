import Testing
@testable import TokenImport

/// Lines and their numbers do not depend on how the source is chunked, an overlong line included.
@Suite struct LineReaderTests {
    func lines(_ text: [UInt8], chunk: Int) throws -> [(Int, Int)] {
        var reader = LineReader(source: MemoryByteSource(text, chunkSize: chunk))
        var out: [(Int, Int)] = []
        while let (number, line) = try reader.next() { out.append((number, line.count)) }
        return out
    }

    @Test(arguments: [1, 7, 4096, 1 << 20])
    func chunkingDoesNotMatter(chunk: Int) throws {
        let long = [UInt8](repeating: 0x41, count: LineReader<MemoryByteSource>.maxLine + 10_000)
        let text = Array("a\n\nbc\n".utf8) + long + Array("\nlast".utf8)
        let got = try lines(text, chunk: chunk)
        #expect(got.map(\.0) == [1, 2, 3, 4, 5])
        #expect(got.map(\.1) == [1, 0, 2, LineReader<MemoryByteSource>.maxLine, 4])
    }
}
