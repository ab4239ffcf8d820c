import OATHCore
@testable import TokenImport

/// The outcome of validating an in-memory file.
struct Outcome {
    var summary: ValidationSummary
    var findings: [Finding]
    var accepted: [ValidToken]
    var rejectedLines: [Int]

    var codes: [FindingCode] { findings.map(\.code) }
    /// The codes found on one line.
    func codes(line: Int) -> [FindingCode] { findings.filter { $0.line == line }.map(\.code) }
}

/// A store view with fixed owners and counts.
struct FakeStore: StoreView {
    var owners: [String: String?] = [:]
    var counts: [String: Int] = [:]
    /// Serials whose stored secret differs from any row's.
    var otherSecret: Set<String> = []
    func secretMatches(serial: String, secret: Secret) -> Bool { !otherSecret.contains(serial) }
    func existingToken(serial: String) -> ExistingToken? { owners[serial].map { ExistingToken(upn: $0) } }
    /// Stored seeds (Base32) by serial, for `secret_duplicate` against the store.
    var seeds: [String: String] = [:]
    func serialHoldingSecret(_ secret: Secret) -> String? {
        seeds.first { (try? Base32.decode($0.value)) == secret.bytes }?.key
    }
    func methodCount(userKey: String) -> Int { counts[userKey] ?? 0 }
}

let uploadHeader = "upn,serial number,secret key,time interval,manufacturer,model"
/// RFC 4226's seed in Base32 (160 bits).
let goodSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func validate(_ text: String, store: StoreView = EmptyStoreView(), entra: Bool = false) throws -> Outcome {
    var findings: [Finding] = [], accepted: [ValidToken] = [], rejected: [Int] = []
    var handlers = FileValidator.Handlers { findings.append($0) }
    handlers.accepted = { accepted.append($0) }
    handlers.rejected = { record, _ in rejected.append(record.line) }
    let summary = try FileValidator(rules: RowRules(entra: entra), store: store)
        .run(source: MemoryByteSource(text, chunkSize: 7), handlers: handlers)
    return Outcome(summary: summary, findings: findings, accepted: accepted, rejectedLines: rejected)
}

/// A file of the upload format with the given data rows.
func uploadFile(_ rows: [String]) -> String { ([uploadHeader] + rows).joined(separator: "\n") + "\n" }

/// A valid row for a user and serial, with a seed of its own (`seed(for:)`).
func row(_ upn: String, _ serial: String, interval: Int = 30) -> String {
    "\(upn),\(serial),\(seed(for: serial)),\(interval),Contoso,HardwareKey"
}

/// A 160-bit Base32 seed made from a serial: every serial its own seed, as `secret_duplicate` requires.
func seed(for serial: String) -> String {
    Base32.encode(seedBytes(for: serial))
}

/// The bytes of `seed(for:)`.
func seedBytes(for serial: String) -> [UInt8] {
    Array(("seed-" + serial.lowercased() + String(repeating: "#", count: 20)).utf8.prefix(20))
}
