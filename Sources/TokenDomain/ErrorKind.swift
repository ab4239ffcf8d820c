/// What kind of no an operation got: each front end maps a kind to its own answer in one place
/// (the command line to an exit status; later the server to an HTTP status).
public enum ErrorKind: String, Sendable, CaseIterable {
    /// A rule said no (a user's sixth method, a code refused).
    case refused
    /// The token, app or user named does not exist.
    case notFound
    /// The request clashes with what is stored (owned by someone else, already there).
    case conflict
    /// The request itself is malformed (a UPN that is not one, a policy value out of range).
    case invalidInput
    /// The store or its key cannot be used.
    case failure
}
