import Hummingbird
import TokenImport
import TokenDomain
import TokenService

// The JSON bodies of the API, in and out. Names as the command line's `--format json` uses them.

struct LoginRequest: Decodable, Sendable {
    var name: String
    var password: String
}

struct LoginResponse: ResponseEncodable, Sendable {
    var name: String
    var role: Role
    /// Send it back in `X-CSRF-Token` with every request that changes something.
    var csrfToken: String
}

struct UPNRequest: Decodable, Sendable {
    var upn: String
}

struct CodeRequest: Decodable, Sendable {
    var code: String
    var upn: String?
}

struct ResyncRequest: Decodable, Sendable {
    var code1: String
    var code2: String
}

struct SignInRequest: Decodable, Sendable {
    var upn: String
    var code: String
}

struct PolicyValue: Codable, Sendable, ResponseEncodable {
    var value: Int
}

struct NewOperatorRequest: Decodable, Sendable {
    var name: String
    var role: Role
    /// A person's password; leave it out and set `apiKey` for a program.
    var password: String?
    var apiKey: Bool?
}

struct NewOperatorResponse: ResponseEncodable, Sendable {
    var name: String
    var role: Role
    /// A program's key, shown this once.
    var apiKey: String?
}

struct TokenPageResponse: ResponseEncodable, Sendable {
    /// Newest first.
    var tokens: [Token]
    /// The `after` of the next page, when there is one (an opaque cursor).
    var next: String?
}

struct Health: ResponseEncodable, Sendable {
    var status: String
}

extension Token: ResponseEncodable {}
extension UserMethods: ResponseEncodable {}
extension CheckOutcome: ResponseEncodable {}
extension SignInOutcome: ResponseEncodable {}
extension FoundToken: ResponseEncodable {}
extension AuditEntry: ResponseEncodable {}
extension Batch: ResponseEncodable {}
extension Operator: ResponseEncodable {}
extension Policy: ResponseEncodable {}

/// A finding as the API shows it: the columns of the error report.
struct FindingView: Encodable, Sendable {
    var line: Int
    var upn: String
    var serial: String
    var field: String
    var code: String
    var message: String

    init(_ finding: Finding) {
        line = finding.line
        upn = finding.upn
        serial = finding.serial
        field = finding.field
        code = finding.code.rawValue
        message = finding.message
    }
}

/// What `POST /validate` and `POST /imports` answer: the summary as `--format json` prints it,
/// what the import stored, and the findings (the first 1,000; the report holds them all).
struct UploadResult: ResponseEncodable {
    var file: String
    var rowsRead: Int
    var accepted: Int
    var rejected: Int
    var warnings: Int
    var counts: [String: Int]
    var fileUnusable: Bool
    var exitStatus: Int32
    var stored: StoreCounts?
    /// Where a committed import's error report is kept.
    var report: String?
    var findings: [FindingView]
    var findingsTotal: Int

    init(settings: UploadSettings, summary: ValidationSummary, findings: CollectedFindings) {
        file = settings.name
        rowsRead = summary.rowsRead
        accepted = summary.accepted
        rejected = summary.rejected
        warnings = summary.warnings
        counts = summary.counts
        fileUnusable = summary.fileUnusable
        exitStatus = summary.exitStatus
        self.findings = findings.first
        findingsTotal = findings.report.findings
    }
}
