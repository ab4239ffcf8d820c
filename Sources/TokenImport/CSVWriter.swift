import Foundation

/// A buffered RFC 4180 writer: quotes fields holding the delimiter, quotes or line breaks; LF or CRLF line ends.
public final class CSVWriter {
    private let file: OutputFile
    private var buffer: [UInt8] = []
    /// `\n` or `\r\n`.
    public let lineEnding: String

    /// Prepares the file with `permissions` (0600 for anything holding secrets); it replaces
    /// `path` only on `close()` (see `OutputFile`).
    public init(path: String, permissions: mode_t, lineEnding: String = "\n") throws(OutputFileError) {
        self.lineEnding = lineEnding
        file = try OutputFile(path: path, permissions: permissions)
        buffer.reserveCapacity(1 << 16)
    }

    public func write(_ fields: [String]) throws {
        write(fieldBytes: fields.map { ArraySlice($0.utf8) })
        if buffer.count >= 1 << 16 { try flush() }
    }

    /// Writes a record as it was read (a rejected row, so the vendor sees what they sent), or
    /// re-quoted from its fields when it was not read from a file.
    public func write(record: CSVRecord) throws {
        if let original = record.originalBytes {
            buffer.append(contentsOf: original)
            buffer.append(contentsOf: lineEnding.utf8)
        } else {
            write(fieldBytes: (0..<record.ranges.count).map { record.field($0)! })
        }
        if buffer.count >= 1 << 16 { try flush() }
    }

    private func write(fieldBytes: [ArraySlice<UInt8>]) {
        Self.append(fieldBytes, lineEnding: lineEnding, to: &buffer)
    }

    /// One RFC 4180 record, as every writer encodes it (files and the report kept with a batch).
    public static func append(_ fieldBytes: [ArraySlice<UInt8>], lineEnding: String = "\n", to buffer: inout [UInt8]) {
        for (index, field) in fieldBytes.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            let needsQuotes = field.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
            if needsQuotes {
                buffer.append(UInt8(ascii: "\""))
                for byte in field {
                    if byte == UInt8(ascii: "\"") { buffer.append(byte) }
                    buffer.append(byte)
                }
                buffer.append(UInt8(ascii: "\""))
            } else {
                buffer.append(contentsOf: field)
            }
        }
        buffer.append(contentsOf: lineEnding.utf8)
    }

    /// Appends text as it is (JSON and XML writers share the buffering and the 0600 file).
    public func writeRaw(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { try flush() }
    }

    public func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try file.write($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes what is buffered and puts the file in place.
    public func close() throws {
        try flush()
        try file.commit()
    }

    /// Drops the file: the target stays as it was.
    public func discard() { file.discard() }
}
