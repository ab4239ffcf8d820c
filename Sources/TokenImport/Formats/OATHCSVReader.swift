import TokenDomain
import OATHCore

/// Headerless "OATH CSV", as privacyIDEA and LinOTP import it, turned into upload-format records.
///
/// A line is `serial, hex seed[, type[, digits[, time step[, hash]]]]`; privacyIDEA's
/// `# version: 2` files put `user, resolver, realm` first. Spaces around fields are ignored, `#`
/// lines are comments. Both peers read a missing type as HOTP, which oathctl refuses
/// (`algorithm_unsupported`); a missing hash follows the seed's length as LinOTP reads it.
struct OATHCSVLine {
    /// The upload-format record (columns as `ConvertedRecord.columns`), or the findings that reject the line.
    static func record(_ fields: [String], line: Int, version: Int) -> Result<CSVRecord, RecordRejection> {
        var fields = fields
        var user = ""
        if version >= 2 {
            user = fields.first ?? ""
            fields = Array(fields.dropFirst(3))
        }
        let serial = fields.first ?? ""
        func reject(_ code: FindingCode, _ field: Column?, _ message: String) -> Result<CSVRecord, RecordRejection> {
            .failure(.init(findings: [Finding(line: line, serial: serial, field: field, code: code, message: message)]))
        }
        guard fields.count >= 2 else {
            return reject(.fieldCount, nil, "line has \(fields.count) field\(fields.count == 1 ? "" : "s"); an OATH CSV line is serial, hex seed[, type[, digits[, time step[, hash]]]]\(version >= 2 ? " after user, resolver, realm" : "")")
        }
        let seed = fields[1]
        func field(_ index: Int) -> String { index < fields.count ? fields[index] : "" }
        let type = field(2).lowercased()
        switch type {
        case "totp": break
        case "", "hotp":
            return reject(.algorithmUnsupported, nil, "token \(serial) is HOTP (counter-based\(type.isEmpty ? ": an OATH CSV line without a type is HOTP" : "")); oathctl loads TOTP tokens only: write totp as the third field if it is a TOTP token")
        case "ocra":
            return reject(.algorithmUnsupported, nil, "token \(serial) is OCRA (challenge-response); oathctl loads TOTP tokens only")
        default:
            return reject(.algorithmUnsupported, nil, "token type '\(type.prefix(16))' is not totp; oathctl loads TOTP tokens only")
        }
        let digits = field(3).isEmpty ? "6" : field(3)
        let step = field(4).isEmpty ? "30" : field(4)
        var hash = field(5)
        if hash.isEmpty {
            // LinOTP: the seed's length chooses (32 bytes SHA-256, 64 bytes SHA-512, else SHA-1).
            hash = switch seed.utf8.count / 2 {
            case 32: "sha256"
            case 64: "sha512"
            default: "sha1"
            }
        }
        let upn = UPN.problem(in: user) == nil ? user : ""
        return .success(CSVRecord(line: line, fields: [upn, serial, seed, step, "", "", hash, digits]))
    }
}

extension FileValidator {
    /// Reads an OATH CSV file with the same rules, findings and handlers as an upload CSV; seeds are hex.
    public func runOATHCSV(source: some ByteSource, handlers: Handlers) throws -> ValidationSummary {
        var pass = try convertedPass(handlers: handlers, secretEncoding: .hex)
        var reader = CSVReader(source: source, delimiter: UInt8(ascii: ","))
        var version = 1
        do {
            try reader.forEachRecord(progress: handlers.progress) { record in
                if let problem = record.problem {
                    return try pass.reject(findings: [Finding(line: record.line, code: .csvMalformed, message: problem.description)])
                }
                let fields = (0..<record.ranges.count).map {
                    String(decoding: record.field($0)!, as: UTF8.self).trimmingSpaces()
                }
                if fields.allSatisfy(\.isEmpty) { return }
                if fields[0].hasPrefix("#") {
                    let comment = fields[0].dropFirst().filter { $0 != " " }.lowercased()
                    if comment.hasPrefix("version:"), let number = Int(comment.dropFirst(8)) { version = number }
                    return
                }
                // Trailing empty fields (`..., sha256,`) are how both peers' files end some lines.
                var trimmed = fields
                while trimmed.count > 2, trimmed.last == "" { trimmed.removeLast() }
                switch OATHCSVLine.record(trimmed, line: record.line, version: version) {
                case let .success(made): try pass.process(made)
                case let .failure(rejection): try pass.reject(findings: rejection.findings)
                }
            }
        } catch CSVReadError.utf16 {
            try pass.unusable(Finding(line: 0, code: .encodingInvalid, message: CSVReadError.utf16.description))
        }
        try pass.finish()
        return pass.summary
    }
}
