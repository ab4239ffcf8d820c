import FuzzSupport
import TokenImport

/// The CSV reader with the row and file rules: any bytes give findings, never a crash, and every row is counted once.
func csvTarget(_ bytes: [UInt8]) {
    let chunk = bytes.first.map { Int($0 % 16) + 1 } ?? 1
    var findings = 0, accepted = 0, rejected = 0
    var handlers = FileValidator.Handlers { _ in findings += 1 }
    handlers.accepted = { _ in accepted += 1 }
    handlers.rejected = { _, _ in rejected += 1 }
    for encoding in [SecretEncoding.base32, .auto] {
        accepted = 0
        rejected = 0
        let validator = FileValidator(rules: RowRules(secretEncoding: encoding))
        guard let summary = try? validator.run(source: MemoryByteSource(bytes, chunkSize: chunk), handlers: handlers) else {
            preconditionFailure("the validator threw on in-memory input")
        }
        precondition(summary.accepted == accepted && summary.rejected == rejected, "handler counts differ from the summary")
        precondition(summary.fileUnusable || summary.accepted + summary.rejected == summary.rowsRead, "rows lost")
    }
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
