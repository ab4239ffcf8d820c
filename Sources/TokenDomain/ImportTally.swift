/// What one import stored, as its batch row and audit entry record it.
public struct ImportTally: Sendable, Equatable {
    public var batch: Int64
    public var fileName: String
    public var sha256: String
    public var added: Int
    public var assigned: Int
    public var unchanged: Int
    public var rejected: Int

    public init(batch: Int64, fileName: String, sha256: String, added: Int, assigned: Int, unchanged: Int, rejected: Int) {
        self.batch = batch
        self.fileName = fileName
        self.sha256 = sha256
        self.added = added
        self.assigned = assigned
        self.unchanged = unchanged
        self.rejected = rejected
    }
}
