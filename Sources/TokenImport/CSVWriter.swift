import Foundation

/// A buffered RFC 4180 writer: quotes fields holding the delimiter, quotes or line breaks; LF or CRLF line ends.
public final class CSVWriter {
    private let handle: FileHandle
    private let path: String
    private var buffer: [UInt8] = []
    /// `\n` or `\r\n`.
    public let lineEnding: String

    /// Creates the file with `permissions` (0600 for anything holding secrets), truncating an existing one.
    ///
    /// The mode is set at creation (`open` with O_CREAT) and again with `fchmod`, so a file holding
    /// secrets is never readable by others, not even for an instant, whatever the umask.
    public init(path: String, permissions: mode_t, lineEnding: String = "\n") throws {
        self.lineEnding = lineEnding
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, permissions)
        guard fd >= 0 else { throw CSVWriterError(path: path, reason: String(cString: strerror(errno))) }
        guard fchmod(fd, permissions) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = Glibc.close(fd)
            throw CSVWriterError(path: path, reason: reason)
        }
        handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        self.path = path
        buffer.reserveCapacity(1 << 16)
    }

    public func write(_ fields: [String]) throws {
        write(fieldBytes: fields.map { ArraySlice($0.utf8) })
        if buffer.count >= 1 << 16 { try flush() }
    }

    /// Writes a record of raw field bytes (a rejected row copied as it was read).
    public func write(record: CSVRecord) throws {
        write(fieldBytes: (0..<record.ranges.count).map { record.field($0)! })
        if buffer.count >= 1 << 16 { try flush() }
    }

    private func write(fieldBytes: [ArraySlice<UInt8>]) {
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
        do { try handle.write(contentsOf: buffer) } catch {
            throw CSVWriterError(path: path, reason: error.localizedDescription)
        }
        buffer.removeAll(keepingCapacity: true)
    }

    public func close() throws {
        try flush()
        try handle.close()
    }
}

/// A report or rejects file could not be written.
public struct CSVWriterError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot write \(path): \(reason)" }
}
