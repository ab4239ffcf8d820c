import Foundation

/// Bounds that keep the reader's memory flat on hostile input.
public enum CSVLimits {
    /// Bytes kept of one field; a token row's longest field is the 128-character secret.
    public static let maxFieldBytes = 65_536
    /// Fields kept of one record; more are counted but not stored.
    public static let maxStoredFields = 1_024
}

/// Whole-file reasons to stop reading.
public enum CSVReadError: Error, Equatable, CustomStringConvertible {
    case source(ByteSourceError)
    /// A UTF-16 byte-order mark: the file must be saved as UTF-8.
    case utf16

    public var description: String {
        switch self {
        case let .source(error): error.description
        case .utf16: "the file is UTF-16; save it as UTF-8 (\"CSV UTF-8\" in spreadsheet programs)"
        }
    }
}

/// A streaming RFC 4180 reader over UTF-8 bytes.
///
/// Hand-written because it is the hot path of every import: the CSV packages available here were
/// 4-20 times slower, did not stream, and accepted an unterminated quote silently. It accepts
/// CRLF, LF or lone CR line ends, a UTF-8 byte-order mark, a missing final newline, and quoted
/// fields with delimiters, doubled quotes and line breaks. Blank lines are skipped. Memory is
/// bounded by `CSVLimits`. A line with no quote in it (nearly every line of a token file) is
/// split in one scan and copied whole; anything else goes through the byte-by-byte state machine.
public struct CSVReader<Source: ByteSource> {

    private enum State { case fieldStart, unquoted, quoted, quoteInQuoted, afterClosingQuote, afterCR }

    private var source: Source
    private let delimiter: UInt8
    private var state = State.fieldStart
    private var record = CSVRecord()
    private var line = 1
    private var recordOpen = false
    private var fieldStart = 0
    private var fieldOverflow = false
    private var quoteOpenedOn = 0
    /// The bytes of the record being read byte by byte, as they are in the file (for a rejects file).
    private var raw: [UInt8] = []
    /// True when that record outgrew `CSVRecord.maxRawBytes` and is not kept as read.
    private var rawTooLong = false

    public init(source: Source, delimiter: UInt8 = UInt8(ascii: ",")) {
        self.source = source
        self.delimiter = delimiter
    }

    /// Reads every record, in order, calling `body` with each (the record is reused after `body` returns).
    ///
    /// - Parameter progress: called after each chunk with the bytes consumed so far.
    public mutating func forEachRecord(
        progress: ((Int) -> Void)? = nil,
        _ body: (CSVRecord) throws -> Void
    ) throws {
        var chunk: [UInt8] = []
        chunk.reserveCapacity(FileByteSource.chunkSize)
        var consumed = 0
        var first = true
        while true {
            do { try source.read(into: &chunk) } catch { throw CSVReadError.source(error) }
            if chunk.isEmpty { break }
            var start = 0
            if first {
                // The byte-order mark is told from the first three bytes, even if reads return fewer.
                var more: [UInt8] = []
                while chunk.count < 3 {
                    do { try source.read(into: &more) } catch { throw CSVReadError.source(error) }
                    if more.isEmpty { break }
                    chunk += more
                }
                first = false
                if chunk.count >= 2, (chunk[0] == 0xFF && chunk[1] == 0xFE) || (chunk[0] == 0xFE && chunk[1] == 0xFF) {
                    throw CSVReadError.utf16
                }
                if chunk.count >= 3, chunk[0] == 0xEF, chunk[1] == 0xBB, chunk[2] == 0xBF { start = 3 }
            }
            try chunk.withUnsafeBufferPointer { bytes in
                var index = start
                // The next line feed at or after `index`, or the chunk's end: searched once per line
                // feed, so a file of lone-CR lines does not search the rest of the chunk per line.
                var lineFeed = -1
                while index < bytes.count {
                    // Fastest path: a whole plain line (no quote, NUL or lone CR) copied in one append.
                    if state == .fieldStart, !recordOpen {
                        if lineFeed < index { lineFeed = Self.lineFeed(in: bytes, from: index) }
                        if lineFeed < bytes.count, readPlainLine(bytes, from: index, to: lineFeed) {
                            try body(record)
                            index = lineFeed + 1
                            continue
                        }
                    }
                    // Fast path: copy a run of ordinary bytes inside a field in one append.
                    let run = ordinaryRun(bytes, from: index)
                    if run > index {
                        let runBytes = UnsafeBufferPointer(rebasing: bytes[index..<run])
                        appendRun(runBytes)
                        keepRaw(runBytes)
                        index = run
                        continue
                    }
                    let byte = bytes[index]
                    if let done = consume(byte) {
                        try body(done)
                    } else if recordOpen {
                        keepRaw(CollectionOfOne(byte))
                    }
                    index += 1
                }
            }
            consumed += chunk.count
            progress?(consumed)
        }
        if let last = finish() { try body(last) }
    }

    /// The index of the first line feed at or after `start`, or `bytes.count` when there is none.
    private static func lineFeed(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        guard let base = bytes.baseAddress, let found = memchr(base + start, 0x0A, bytes.count - start) else { return bytes.count }
        return UnsafeRawPointer(found) - UnsafeRawPointer(base)
    }

    /// Reads the line from `start` to its line feed at `end` into `record`; false when the line
    /// needs the byte-by-byte reader (which starts the record again): it has a quote, a NUL or a CR
    /// other than a CRLF's, is blank, is longer than a field may be, or has more fields than are kept.
    ///
    /// Looks at eight bytes at a time (SWAR): this loop sees every byte of every file, and the
    /// byte-at-a-time version cost 1,600 instructions per 87-byte row, most of a row's budget.
    @inline(__always)
    private mutating func readPlainLine(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        var count = end - start
        if count > 0, bytes[end - 1] == 0x0D { count -= 1 }
        guard count > 0, count <= CSVLimits.maxFieldBytes else { return false }
        let text = base + start
        record.reset(line: line)
        var fieldStart = 0, position = 0, merged: UInt64 = 0
        // A delimiter closes a field; a quote, CR or NUL sends the line to the state machine.
        func special(at offset: Int) -> Bool {
            switch text[offset] {
            case delimiter:
                record.ranges.append(fieldStart..<offset)
                fieldStart = offset + 1
                return false
            case 0x22, 0x0D, 0: return true
            default: return false // a byte the word test flagged falsely (see `flagged`)
            }
        }
        while position + 8 <= count {
            let word = UInt64(littleEndian: UnsafeRawPointer(text + position).loadUnaligned(as: UInt64.self))
            merged |= word
            var flags = Self.flagged(word, delimiter) | Self.flagged(word, 0x22) | Self.flagged(word, 0x0D) | Self.flagged(word, 0)
            while flags != 0 {
                if special(at: position + flags.trailingZeroBitCount / 8) { return false }
                flags &= flags - 1
            }
            position += 8
        }
        while position < count {
            merged |= UInt64(text[position])
            if special(at: position) { return false }
            position += 1
        }
        record.ranges.append(fieldStart..<count)
        guard record.ranges.count <= CSVLimits.maxStoredFields else { return false }
        record.bytes.append(contentsOf: UnsafeBufferPointer(start: text, count: count))
        record.fieldCount = record.ranges.count
        record.isASCII = merged & 0x8080_8080_8080_8080 == 0
        record.bytesAreRaw = true
        line += 1
        return true
    }

    /// The high bit of each byte of `word` that equals `byte`. Never misses one; a byte just above
    /// a match may be flagged falsely (the subtraction borrows), so callers look at flagged bytes.
    @inline(__always)
    private static func flagged(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let x = word ^ (UInt64(byte) &* ones)
        return (x &- ones) & ~x & 0x8080_8080_8080_8080
    }

    /// The end of the run of bytes from `start` that only extend the current field (none outside a field).
    @inline(__always)
    private func ordinaryRun(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var end = start
        switch state {
        case .unquoted:
            while end < bytes.count {
                let byte = bytes[end]
                if byte == delimiter || byte == 0x0A || byte == 0x0D || byte == 0 || byte == 0x22 { break }
                end += 1
            }
        case .quoted:
            while end < bytes.count {
                let byte = bytes[end]
                if byte == 0x22 || byte == 0x0A || byte == 0 { break }
                end += 1
            }
        default:
            break
        }
        return end
    }

    /// Appends ordinary bytes (no NUL, quote or line break) to the current field, within the field bound.
    @inline(__always)
    private mutating func appendRun(_ run: UnsafeBufferPointer<UInt8>) {
        let room = CSVLimits.maxFieldBytes - (record.bytes.count - fieldStart)
        if run.count > room {
            record.bytes.append(contentsOf: run.prefix(max(0, room)))
            if !fieldOverflow, record.problem == nil { record.problem = .fieldTooLong(field: record.fieldCount + 1) }
            fieldOverflow = true
        } else {
            record.bytes.append(contentsOf: run)
        }
    }

    /// Feeds one byte; returns a completed record when this byte ended one.
    @inline(__always)
    private mutating func consume(_ byte: UInt8) -> CSVRecord? {
        switch state {
        case .quoted:
            if byte == UInt8(ascii: "\"") {
                state = .quoteInQuoted
            } else {
                if byte == UInt8(ascii: "\n") { line += 1 }
                append(byte)
            }
            return nil
        case .quoteInQuoted:
            if byte == UInt8(ascii: "\"") {
                append(byte)
                state = .quoted
                return nil
            }
            state = .afterClosingQuote
            return consume(byte)
        case .afterCR:
            state = .fieldStart
            if byte == UInt8(ascii: "\n") { return nil }
            return consume(byte)
        case .fieldStart, .unquoted, .afterClosingQuote:
            break
        }
        if byte == delimiter {
            openRecord()
            endField()
            state = .fieldStart
            return nil
        }
        if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
            let completed = endRecord()
            line += 1
            state = byte == UInt8(ascii: "\r") ? .afterCR : .fieldStart
            return completed
        }
        openRecord()
        switch state {
        case .fieldStart where byte == UInt8(ascii: "\""):
            state = .quoted
            quoteOpenedOn = line
        case .afterClosingQuote:
            if record.problem == nil { record.problem = .textAfterClosingQuote(field: record.fieldCount + 1) }
            append(byte)
        default:
            state = .unquoted
            append(byte)
        }
        return nil
    }

    /// Keeps bytes of the record being read byte by byte, as they were in the file.
    private mutating func keepRaw(_ bytes: some Collection<UInt8>) {
        guard !rawTooLong else { return }
        if raw.count + bytes.count > CSVRecord.maxRawBytes {
            rawTooLong = true
            raw.removeAll()
            return
        }
        raw.append(contentsOf: bytes)
    }

    @inline(__always)
    private mutating func openRecord() {
        if !recordOpen {
            recordOpen = true
            raw.removeAll(keepingCapacity: true)
            rawTooLong = false
            record.reset(line: line)
            fieldStart = 0
            fieldOverflow = false
        }
    }

    @inline(__always)
    private mutating func append(_ byte: UInt8) {
        if byte == 0, record.problem == nil { record.problem = .nulByte(field: record.fieldCount + 1) }
        if record.bytes.count - fieldStart >= CSVLimits.maxFieldBytes {
            if !fieldOverflow, record.problem == nil { record.problem = .fieldTooLong(field: record.fieldCount + 1) }
            fieldOverflow = true
            return
        }
        record.bytes.append(byte)
    }

    private mutating func endField() {
        if record.ranges.count < CSVLimits.maxStoredFields {
            record.ranges.append(fieldStart..<record.bytes.count)
        } else {
            record.bytes.removeSubrange(fieldStart...)
        }
        record.fieldCount += 1
        fieldStart = record.bytes.count
        fieldOverflow = false
    }

    /// Closes the current record; nil for a blank line.
    private mutating func endRecord() -> CSVRecord? {
        guard recordOpen else { return nil }
        endField()
        recordOpen = false
        if !rawTooLong { record.attachRaw(raw) }
        return record
    }

    /// Flushes the last record at the end of input, noting an unterminated quote.
    private mutating func finish() -> CSVRecord? {
        switch state {
        case .quoted:
            // A final line break inside the open quote does not start another line of content.
            let last = record.bytes.last == UInt8(ascii: "\n") ? line - 1 : line
            record.problem = .unterminatedQuote(openedOnLine: quoteOpenedOn, lastLine: last)
        case .afterCR:
            return nil
        default:
            break
        }
        state = .fieldStart
        return endRecord()
    }
}
