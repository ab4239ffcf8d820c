/// One import run, as recorded in the store.
public struct Batch: Codable, Sendable, Equatable {
    public var id: Int64
    public var fileName: String
    public var sha256: String
    public var rowsRead: Int
    public var accepted: Int
    public var rejected: Int
    public var added: Int
    public var unchanged: Int
    public var assigned: Int
    public var atomic: Bool
    public var createdAt: Int64
    public var actor: String

    public init(id: Int64, fileName: String, sha256: String, rowsRead: Int, accepted: Int, rejected: Int, added: Int,
                unchanged: Int, assigned: Int, atomic: Bool, createdAt: Int64, actor: String) {
        self.id = id
        self.fileName = fileName
        self.sha256 = sha256
        self.rowsRead = rowsRead
        self.accepted = accepted
        self.rejected = rejected
        self.added = added
        self.unchanged = unchanged
        self.assigned = assigned
        self.atomic = atomic
        self.createdAt = createdAt
        self.actor = actor
    }
}
