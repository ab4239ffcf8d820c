/// Counts of one pass over a token file; printed as text or as one JSON object.
public struct ValidationSummary: Sendable, Codable, Equatable {
    /// Data rows read (the header and blank lines do not count).
    public var rowsRead = 0
    public var accepted = 0
    public var rejected = 0
    /// Warning findings (their rows are kept).
    public var warnings = 0
    /// Findings per code.
    public var counts: [String: Int] = [:]
    /// True when the file as a whole could not be used (no header, a missing column, empty, not UTF-8).
    public var fileUnusable = false

    public init() {}

    mutating func record(_ finding: Finding) {
        counts[finding.code.rawValue, default: 0] += 1
        if finding.isWarning { warnings += 1 }
    }

    /// The documented exit status: 0 nothing rejected, 1 rows rejected, 2 the file unusable.
    public var exitStatus: Int32 { fileUnusable ? 2 : (rejected > 0 ? 1 : 0) }
}
