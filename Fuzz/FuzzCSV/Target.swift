import FuzzSupport
import TokenImport

/// The CSV reader with the row and file rules: any bytes give findings, never a crash, and every
/// row is counted once. The same bytes are also read a byte at a time and without an `accepted`
/// handler: the whole-line reader and the clean lane must then give the same findings as the
/// byte-by-byte reader and the full row check.
func csvTarget(_ bytes: [UInt8]) {
    let chunk = bytes.first.map { Int($0 % 16) + 1 } ?? 1
    for encoding in [SecretEncoding.base32, .auto] {
        let validator = FileValidator(rules: RowRules(secretEncoding: encoding))
        let (summary, findings) = run(validator, bytes, chunkSize: chunk, countAccepted: true)
        precondition(summary.fileUnusable || summary.accepted + summary.rejected == summary.rowsRead, "rows lost")
        let (whole, wholeFindings) = run(validator, bytes, chunkSize: max(1, bytes.count), countAccepted: false)
        let (bytewise, bytewiseFindings) = run(validator, bytes, chunkSize: 1, countAccepted: true)
        precondition(whole == bytewise && summary == bytewise, "the summary depends on how the file was read")
        precondition(wholeFindings == bytewiseFindings && findings == bytewiseFindings, "findings depend on how the file was read")
    }
}

/// One pass; the summary and every finding as text. Checks the handlers saw what the summary counts.
private func run(_ validator: FileValidator, _ bytes: [UInt8], chunkSize: Int, countAccepted: Bool) -> (ValidationSummary, [String]) {
    var findings: [String] = [], accepted = 0, rejected = 0
    var handlers = FileValidator.Handlers { findings.append("\($0.line) \($0.field) \($0.code) \($0.message)") }
    if countAccepted { handlers.accepted = { (_: ValidToken) in accepted += 1 } }
    handlers.rejected = { _, _ in rejected += 1 }
    guard let summary = try? validator.run(source: MemoryByteSource(bytes, chunkSize: chunkSize), handlers: handlers) else {
        preconditionFailure("the validator threw on in-memory input")
    }
    precondition((!countAccepted || summary.accepted == accepted) && summary.rejected == rejected, "handler counts differ from the summary")
    return (summary, findings)
}

@main
enum Main {
    static func main() {
        fuzzMain { data, size in
            csvTarget(bytes(data, size))
            return 0
        }
    }
}
