import FuzzSupport
import TokenImport

/// The readers of other token managers' formats (OATH CSV, SafeWord `.dat`): any bytes give
/// findings, never a crash; every line or record counted is accepted or rejected; and reading the
/// bytes in one chunk or a byte at a time gives the same findings.
func formatsTarget(_ bytes: [UInt8]) {
    for read in [oathCSV, safeWord] {
        let whole = read(bytes, max(1, bytes.count))
        let bytewise = read(bytes, 1)
        precondition(whole.summary.fileUnusable || whole.summary.accepted + whole.summary.rejected == whole.summary.rowsRead, "rows lost")
        precondition(whole.summary == bytewise.summary && whole.findings == bytewise.findings, "the outcome depends on how the file was read")
    }
}

private typealias Reading = (summary: ValidationSummary, findings: [String])

private func oathCSV(_ bytes: [UInt8], _ chunk: Int) -> Reading {
    collect { try FileValidator().runOATHCSV(source: MemoryByteSource(bytes, chunkSize: chunk), handlers: $0) }
}

private func safeWord(_ bytes: [UInt8], _ chunk: Int) -> Reading {
    collect { try FileValidator().runSafeWord(source: MemoryByteSource(bytes, chunkSize: chunk), handlers: $0) }
}

private func collect(_ run: (FileValidator.Handlers) throws -> ValidationSummary) -> Reading {
    var findings: [String] = []
    var handlers = FileValidator.Handlers { findings.append("\($0.line) \($0.field) \($0.code) \($0.message)") }
    handlers.accepted = { _ in }
    guard let summary = try? run(handlers) else { preconditionFailure("a reader threw on in-memory input") }
    return (summary, findings)
}

@main
enum Main {
    static func main() {
        fuzzMain { data, size in
            formatsTarget(bytes(data, size))
            return 0
        }
    }
}
