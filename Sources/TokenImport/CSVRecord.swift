/// One CSV record: its fields' bytes and where it starts in the file.
///
/// Fields are slices of one shared byte buffer that the reader reuses for every record,
/// so reading a million rows allocates nothing per row.
public struct CSVRecord: Sendable {
    /// The 1-based physical line on which the record starts (a quoted line break does not shift later lines).
    public internal(set) var line = 0
    /// The field contents (quotes removed, doubled quotes undone), each at its range in `ranges`;
    /// bytes between two ranges (the delimiter of a line read whole) and after the last one (the
    /// record as read, `rawRange`) belong to no field.
    public internal(set) var bytes: [UInt8] = []
    /// Each stored field's range in `bytes`.
    public internal(set) var ranges: [Range<Int>] = []
    /// Fields in the record, including any past `CSVLimits.maxStoredFields` that were counted but not kept.
    public internal(set) var fieldCount = 0
    /// The first structural problem found in this record, if any.
    public internal(set) var problem: CSVProblem?
    /// True when the reader saw that every byte of the record is ASCII (it looks only at lines it reads whole).
    public internal(set) var isASCII = false
    /// Where the record's bytes as read (quotes and all, without the line end) sit in `bytes`,
    /// after its fields, for a record the reader took byte by byte (a plain line needs none: its
    /// `bytes` are the line). In `bytes` rather than an array of its own, so a record still copies
    /// as two buffers.
    var rawRange: Range<Int>?
    /// True when `bytes` is the line exactly as read (a plain line: no quote, so nothing was undone).
    var bytesAreRaw = false
    /// Most bytes of one record kept as read.
    static let maxRawBytes = 1 << 20

    /// The record as it was in the file (without its line end), or nil when it was not read from
    /// one or was too long to keep: a rejects file copies it, so a vendor sees what they sent.
    public var originalBytes: ArraySlice<UInt8>? {
        if bytesAreRaw { return bytes[...] }
        return rawRange.map { bytes[$0] }
    }

    public init() {}

    /// Builds a record from field texts (tests and callers that already split their input).
    public init(line: Int, fields: [String]) {
        self.line = line
        for field in fields {
            let start = bytes.count
            bytes.append(contentsOf: field.utf8)
            ranges.append(start..<bytes.count)
        }
        fieldCount = fields.count
    }

    /// The bytes of field `index`, or nil past the stored fields.
    public func field(_ index: Int) -> ArraySlice<UInt8>? {
        index < ranges.count ? bytes[ranges[index]] : nil
    }

    mutating func reset(line: Int) {
        self.line = line
        bytes.removeAll(keepingCapacity: true)
        ranges.removeAll(keepingCapacity: true)
        fieldCount = 0
        problem = nil
        isASCII = false
        rawRange = nil
        bytesAreRaw = false
    }

    /// Appends the record's bytes as read after its fields (the reader calls this as it closes a record).
    mutating func attachRaw(_ raw: [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: raw)
        rawRange = start..<bytes.count
    }
}

/// A record-level violation of RFC 4180 or of the reader's bounds.
public enum CSVProblem: Equatable, Sendable, CustomStringConvertible {
    /// A quoted field was still open at the end of the file.
    case unterminatedQuote(openedOnLine: Int, lastLine: Int)
    /// Characters follow a closing quote before the next comma or line break (`"abc"x`).
    case textAfterClosingQuote(field: Int)
    /// A NUL byte, which no text file carries.
    case nulByte(field: Int)
    /// A field longer than `CSVReader.maxFieldBytes`.
    case fieldTooLong(field: Int)

    public var description: String {
        switch self {
        case let .unterminatedQuote(opened, last):
            "a quote opened on line \(opened) is never closed, so \(last > opened ? "lines \(opened)-\(last)" : "the rest of the file") was read as one field; close the quote (a quote inside a quoted field is written twice: \"\")"
        case let .textAfterClosingQuote(field):
            "field \(field) has text after its closing quote; quote the whole field and double any quote inside it"
        case let .nulByte(field):
            "field \(field) contains a NUL byte; save the file as plain UTF-8 text"
        case let .fieldTooLong(field):
            "field \(field) is longer than \(CSVLimits.maxFieldBytes) bytes; this is not a token row (is a quote missing?)"
        }
    }
}
