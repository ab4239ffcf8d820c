import PropertyBased
import Testing
@testable import TokenImport

/// Reads all records of a text as (line, fields, problem) triples.
func readAll(_ bytes: [UInt8], chunkSize: Int = 1 << 16) throws -> [(line: Int, fields: [String], problem: CSVProblem?)] {
    var reader = CSVReader(source: MemoryByteSource(bytes, chunkSize: chunkSize))
    var out: [(Int, [String], CSVProblem?)] = []
    try reader.forEachRecord { record in
        let fields = (0..<record.ranges.count).map { String(decoding: record.field($0)!, as: UTF8.self) }
        out.append((record.line, fields, record.problem))
    }
    return out
}

func readAll(_ text: String, chunkSize: Int = 1 << 16) throws -> [(line: Int, fields: [String], problem: CSVProblem?)] {
    try readAll(Array(text.utf8), chunkSize: chunkSize)
}

@Suite struct CSVReaderTests {
    @Test func rfc4180QuotedFields() throws {
        let records = try readAll("a,\"b,c\",\"say \"\"hi\"\"\"\r\nd,e,f\r\n")
        #expect(records.map(\.fields) == [["a", "b,c", "say \"hi\""], ["d", "e", "f"]])
        #expect(records.map(\.line) == [1, 2])
    }

    @Test func lineBreakInsideQuotesKeepsLaterLineNumbers() throws {
        let records = try readAll("h1,h2\n\"multi\nline\",x\nnext,y\n")
        #expect(records.map(\.line) == [1, 2, 4])
        #expect(records[1].fields == ["multi\nline", "x"])
    }

    @Test func lineEndingsBOMBlankLinesAndNoFinalNewline() throws {
        let records = try readAll("\u{FEFF}a,b\r\n\r\n\nc,d\re,f\n\ng,h")
        #expect(records.map(\.fields) == [["a", "b"], ["c", "d"], ["e", "f"], ["g", "h"]])
        #expect(records.map(\.line) == [1, 4, 5, 7])
    }

    /// Found by chunkBoundariesDoNotMatter: a mark split over one-byte reads was read as a field.
    @Test func byteOrderMarkSplitAcrossReads() throws {
        for chunk in 1...3 {
            #expect(try readAll([0xEF, 0xBB, 0xBF] + Array("a,b\n".utf8), chunkSize: chunk).map(\.fields) == [["a", "b"]])
            #expect(try readAll([0xEF, 0xBB, 0xBF], chunkSize: chunk).isEmpty)
        }
    }

    @Test func emptyFieldsAndQuotedEmpty() throws {
        #expect(try readAll(",,\n\"\"\n").map(\.fields) == [["", "", ""], [""]])
    }

    @Test func unterminatedQuoteIsReportedWithItsLine() throws {
        let records = try readAll("a,b\nc,\"open\nmore\nlast\n")
        #expect(records.count == 2)
        #expect(records[1].line == 2)
        #expect(records[1].problem == .unterminatedQuote(openedOnLine: 2, lastLine: 4))
    }

    @Test func textAfterClosingQuoteAndNulBytes() throws {
        #expect(try readAll("\"ab\"c,d\n")[0].problem == .textAfterClosingQuote(field: 1))
        #expect(try readAll(Array("a,b".utf8) + [0] + Array("c\n".utf8))[0].problem == .nulByte(field: 2))
    }

    @Test func boundsKeepMemoryFlat() throws {
        let long = try readAll(String(repeating: "x", count: CSVLimits.maxFieldBytes + 10) + ",y\n")
        #expect(long[0].problem == .fieldTooLong(field: 1))
        #expect(long[0].fields[0].utf8.count == CSVLimits.maxFieldBytes)
        var reader = CSVReader(source: MemoryByteSource(String(repeating: ",", count: 100_000) + "\n"))
        try reader.forEachRecord { record in
            #expect(record.fieldCount == 100_001)
            #expect(record.ranges.count == CSVLimits.maxStoredFields)
        }
    }

    @Test func utf16IsRefused() {
        #expect(throws: CSVReadError.utf16) { try readAll([0xFF, 0xFE, 0x61, 0x00]) }
    }

    @Test func semicolonDelimiter() throws {
        var reader = CSVReader(source: MemoryByteSource("a;\"b;c\"\n"), delimiter: UInt8(ascii: ";"))
        var fields: [String] = []
        try reader.forEachRecord { r in fields = (0..<r.ranges.count).map { String(decoding: r.field($0)!, as: UTF8.self) } }
        #expect(fields == ["a", "b;c"])
    }

    /// Any chunking of the same bytes gives the same records (records split across reads). Read
    /// whole, plain lines take the eight-bytes-at-a-time path; read a byte at a time, none does.
    @Test func chunkBoundariesDoNotMatter() async {
        let alphabet: [UInt8] = Array("ab,\"\r\n ".utf8) + [UInt8(0xEF), 0xBB, 0xBF, 0]
        await propertyCheck(count: 600, input: Gen.int(in: 0...(alphabet.count - 1)).array(of: 0...80), Gen.int(in: 1...7)) { picks, chunk in
            let bytes = picks.map { alphabet[$0] }
            let whole = try? readAll(bytes)
            let pieces = try? readAll(bytes, chunkSize: chunk)
            let bytewise = try? readAll(bytes, chunkSize: 1)
            #expect(whole?.map(\.fields) == pieces?.map(\.fields))
            #expect(whole?.map(\.line) == pieces?.map(\.line))
            #expect(whole?.map(\.fields) == bytewise?.map(\.fields))
            #expect(whole?.map(\.line) == bytewise?.map(\.line))
            #expect(whole?.map(\.problem) == bytewise?.map(\.problem))
        }
    }

    /// A line read whole is marked ASCII only when every byte of it is.
    @Test func plainLinesKnowWhetherTheyAreASCII() throws {
        var reader = CSVReader(source: MemoryByteSource("plain,ascii,line\nhélga@contoso.com,1,2\n\"quoted\",x\n"))
        var marks: [Bool] = []
        try reader.forEachRecord { marks.append($0.isASCII) }
        #expect(marks == [true, false, false])
    }

    @Test func neverCrashesOnArbitraryBytes() async {
        await propertyCheck(count: 1000, input: Gen.uint8().array(of: 0...300)) { bytes in
            var reader = CSVReader(source: MemoryByteSource(bytes, chunkSize: 13))
            var count = 0
            do { try reader.forEachRecord { _ in count += 1 } } catch {
                #expect(error as? CSVReadError == .utf16)
            }
            #expect(count <= bytes.count + 1)
        }
    }
}
