import Foundation

/// How a token file is written, as `--input-format` names it.
public enum InputFormat: String, CaseIterable, Sendable {
    /// PSKC and SafeWord `.dat` told by content, anything else read as CSV with a header.
    case auto
    /// The upload format: a header row naming the columns.
    case csv
    /// Headerless "OATH CSV" as privacyIDEA and LinOTP read it (`serial, hex seed[, type[, digits[, step[, hash]]]]`).
    case oathCSV = "oath-csv"
    /// RFC 6030 PSKC XML (and its pre-RFC draft namespace).
    case pskc
    /// SafeWord / eToken PASS authenticator records.
    case safewordDAT = "safeword-dat"
}

/// A token file to read, in one of the formats oathctl knows.
public enum TokenInput: Sendable {
    case csv(path: String)
    case oathCSV(path: String)
    case pskc(path: String, keys: PSKCKeys)
    case safewordDAT(path: String)

    public var path: String {
        switch self {
        case let .csv(path), let .oathCSV(path), let .pskc(path, _), let .safewordDAT(path): path
        }
    }

    public var format: InputFormat {
        switch self {
        case .csv: .csv
        case .oathCSV: .oathCSV
        case .pskc: .pskc
        case .safewordDAT: .safewordDAT
        }
    }

    /// The format of a file by its first bytes: XML is PSKC, `sccAuthenticatorId` records are
    /// SafeWord, anything else is CSV (a CSV never starts with `<`).
    public static func detectFormat(path: String) throws(ByteSourceError) -> InputFormat {
        var source = try FileByteSource(path: path)
        defer { source.close() }
        var chunk: [UInt8] = []
        try source.read(into: &chunk)
        var start = chunk.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        while start < chunk.count, [0x20, 0x09, 0x0A, 0x0D].contains(chunk[start]) { start += 1 }
        if start < chunk.count, chunk[start] == UInt8(ascii: "<") { return .pskc }
        if SafeWordReader.looksLikeDAT(chunk[start...]) { return .safewordDAT }
        return .csv
    }

    /// Runs the validator over the file. Throws `ByteSourceError` when it cannot be read.
    public func validate(with validator: FileValidator, handlers: FileValidator.Handlers) throws -> ValidationSummary {
        switch self {
        case let .csv(path):
            let source = try FileByteSource(path: path)
            defer { source.close() }
            return try validator.run(source: source, handlers: handlers)
        case let .oathCSV(path):
            let source = try FileByteSource(path: path)
            defer { source.close() }
            return try validator.runOATHCSV(source: source, handlers: handlers)
        case let .safewordDAT(path):
            let source = try FileByteSource(path: path)
            defer { source.close() }
            return try validator.runSafeWord(source: source, handlers: handlers)
        case let .pskc(path, keys):
            // The parser opens the file as a FileByteSource first (its UTF-8 check), which refuses
            // directories, devices and pipes with the same words as the CSV path.
            return try validator.runPSKC(path: path, keys: keys, handlers: handlers)
        }
    }
}
