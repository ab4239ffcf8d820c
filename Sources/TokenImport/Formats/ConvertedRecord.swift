/// The upload-format record that the readers of other formats (PSKC, OATH CSV, SafeWord) make
/// from each key package or line, so every format runs through the same rules and findings.
enum ConvertedRecord {
    /// The columns of such a record, in order.
    static let columns: [Column] = [.upn, .serial, .secret, .interval, .manufacturer, .model, .hash, .digits]
    /// The header the pass reads before the first converted record.
    static var header: CSVRecord { CSVRecord(line: 0, fields: columns.map(\.rawValue)) }
}

/// The findings that reject a key package or line before it becomes a record (HOTP, a bad MAC, a missing seed).
struct RecordRejection: Error {
    var findings: [Finding]
}

extension FileValidator {
    /// A pass over records converted from another format, begun with their header; `secretEncoding`
    /// says how the format writes seeds when it is not Base32.
    func convertedPass(handlers: Handlers, secretEncoding: SecretEncoding? = nil) throws -> ValidationPass {
        var validator = self
        if let secretEncoding { validator.rules.secretEncoding = secretEncoding }
        var pass = ValidationPass(validator: validator, handlers: handlers)
        try pass.begin(headerRecord: ConvertedRecord.header)
        return pass
    }
}
