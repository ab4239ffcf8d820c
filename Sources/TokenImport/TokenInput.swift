import Foundation

/// A token file to read: an upload-style CSV or a vendor's PSKC container.
public enum TokenInput: Sendable {
    case csv(path: String)
    case pskc(path: String, keys: PSKCKeys)

    /// True when the file's first non-blank character opens XML (PSKC); a CSV never starts with `<`.
    public static func looksLikeXML(path: String) throws(ByteSourceError) -> Bool {
        var source = try FileByteSource(path: path)
        defer { source.close() }
        var chunk: [UInt8] = []
        try source.read(into: &chunk)
        var start = chunk.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while start < chunk.count, [0x20, 0x09, 0x0A, 0x0D].contains(chunk[start]) { start += 1 }
        return start < chunk.count && chunk[start] == UInt8(ascii: "<")
    }

    /// Runs the validator over the file. Throws `ByteSourceError` when it cannot be read.
    public func validate(with validator: FileValidator, handlers: FileValidator.Handlers) throws -> ValidationSummary {
        switch self {
        case let .csv(path):
            let source = try FileByteSource(path: path)
            defer { source.close() }
            return try validator.run(source: source, handlers: handlers)
        case let .pskc(path, keys):
            // The parser opens the file as a FileByteSource first (its UTF-8 check), which refuses
            // directories, devices and pipes with the same words as the CSV path.
            return try validator.runPSKC(path: path, keys: keys, handlers: handlers)
        }
    }
}
