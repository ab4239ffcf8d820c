import TokenDomain
import TokenImport

/// How to import a file.
public struct ImportOptions: Sendable {
    /// Store nothing when any row is rejected.
    public var atomic = false
    /// The file's name and SHA-256, for the batch record.
    public var fileName: String
    public var sha256: String
    /// The error report the caller's handlers fill; a committed import stores it with its batch.
    public var report: KeptReport?

    public init(fileName: String, sha256: String, atomic: Bool = false, report: KeptReport? = nil) {
        self.fileName = fileName
        self.sha256 = sha256
        self.atomic = atomic
        self.report = report
    }
}

/// What an import did to the store, as `import --format json` and the API's `stored` print it.
public struct StoreCounts: Encodable, Sendable {
    public var added: Int
    public var assigned: Int
    public var unchanged: Int
    public var batch: Int64?
    /// False when nothing was stored (`atomic` with rejected rows, or an unusable file).
    public var committed: Bool

    public init(_ result: ImportResult) {
        added = result.added
        assigned = result.assigned
        unchanged = result.unchanged
        batch = result.batch
        committed = result.committed
    }
}

/// What an import did.
public struct ImportResult: Sendable {
    public var summary: ValidationSummary
    public var added = 0
    public var assigned = 0
    public var unchanged = 0
    /// The batch recorded, or nil when nothing was committed.
    public var batch: Int64?
    /// False when `--atomic` rolled the import back (or the file was unusable).
    public var committed: Bool
    public var sha256: String

    public init(summary: ValidationSummary, batch: Int64?, committed: Bool, sha256: String) {
        self.summary = summary
        self.batch = batch
        self.committed = committed
        self.sha256 = sha256
    }

    /// Whether the import must be undone: the file was unusable, or `atomic` and a row was rejected.
    public func mustRollBack(atomic: Bool) -> Bool {
        summary.fileUnusable || (atomic && summary.rejected > 0)
    }

    /// The audit record of a committed import.
    public func tally(batch: Int64, fileName: String) -> ImportTally {
        ImportTally(batch: batch, fileName: fileName, sha256: sha256, added: added, assigned: assigned,
                    unchanged: unchanged, rejected: summary.rejected)
    }
}
