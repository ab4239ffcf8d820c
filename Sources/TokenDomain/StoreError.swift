/// What the store refuses, in words an operator can act on. Never carries a secret.
public enum StoreError: Error, Equatable, CustomStringConvertible {
    case storeMissing(path: String)
    case storeExists(path: String)
    /// `store copy` fills only a store that holds nothing yet.
    case notEmpty(location: String)
    case notAStore(path: String, reason: String)
    case wrongKey
    /// A database server that cannot be reached or refused us (PostgreSQL).
    case unreachable(location: String, reason: String)
    case tokenNotFound(serial: String)
    case assignedToOther(serial: String, upn: String)
    case stillAssigned(serial: String, upn: String)
    case notAssigned(serial: String)
    case userLimit(upn: String, limit: Int)
    case appExists(upn: String, name: String)
    case appNotFound(upn: String, name: String)
    case invalidUser(String)
    case invalidAppName(String)
    case invalidPolicy(String)
    case notActivated(serial: String, status: String)
    case invalidCode(String)
    case tooManyMatches(count: Int, limit: Int)
    case invalidOperator(String)
    /// A value the store cannot keep (PostgreSQL refuses a NUL character in text).
    case unstorableText
    case operatorExists(name: String)
    case operatorNotFound(name: String)
    /// The change would leave no enabled admin.
    case lastAdmin(name: String)
    /// Wrong name or credential, or a locked or disabled operator: one message for all, so a
    /// refusal never tells whether a name exists.
    case loginRefused
    case batchNotFound(Int64)
    /// The batch was imported before the store kept error reports.
    case reportNotKept(batch: Int64)
    /// The store's disk (or database server's) ran out of room: the operation was undone whole.
    case storeFull
    /// Heavy work of this kind is already running and queued as much as allowed, or this request
    /// waited its time for a turn: nothing was done. (A sign-in check never gets this.)
    case busy(work: String, retryAfter: Int)
    /// While a file was imported in stages, someone changed what its checks rested on (an owner, a
    /// token, an app): nothing of it was stored.
    case importRaced
    case database(String)

    /// The kind of refusal, from which each front end derives its answer.
    public var kind: ErrorKind {
        switch self {
        case .storeMissing, .notAStore, .wrongKey, .unreachable, .storeFull, .busy, .database: .failure
        case .invalidUser, .invalidPolicy, .invalidAppName, .invalidOperator, .unstorableText: .invalidInput
        case .operatorNotFound, .batchNotFound, .reportNotKept: .notFound
        case .operatorExists: .conflict
        case .lastAdmin, .loginRefused: .refused
        case .tokenNotFound, .appNotFound: .notFound
        case .storeExists, .notEmpty, .assignedToOther, .stillAssigned, .appExists, .importRaced: .conflict
        case .notAssigned, .userLimit, .notActivated, .invalidCode, .tooManyMatches: .refused
        }
    }

    public var description: String {
        switch self {
        case let .storeMissing(path): "no token store at \(path); run 'oathctl init' first, or point --store / OATHCTL_STORE at it"
        case let .storeExists(path): "a token store already exists at \(path)"
        case let .notEmpty(location): "\(location) already holds tokens, apps, batches or audit entries; copy into a new store"
        case let .notAStore(path, reason): "\(path) is not an oathctl token store: \(reason)"
        case let .unreachable(location, reason): "cannot use the store \(location): \(reason)"
        case .wrongKey: "the master key does not open this store (wrong --key-file / OATHCTL_KEY_FILE?)"
        case let .tokenNotFound(serial): "no token with serial \(serial) in the store"
        case let .assignedToOther(serial, upn): "token \(serial) is assigned to \(upn); a token belongs to one user only: unassign it first"
        case let .stillAssigned(serial, upn): "token \(serial) is assigned to \(upn); unassign it first or pass --force"
        case let .notAssigned(serial): "token \(serial) is not assigned to anyone"
        case let .userLimit(upn, limit): "\(upn) already holds \(limit) OATH tokens or authenticator apps, the most allowed; remove one first"
        case let .appExists(upn, name): "\(upn) already has an authenticator app named '\(name)'"
        case let .appNotFound(upn, name): "\(upn) has no authenticator app named '\(name)'"
        case let .invalidUser(problem): problem
        case let .invalidAppName(problem): "the app name \(problem)"
        case let .invalidPolicy(problem): problem
        case let .invalidCode(problem): problem
        case let .tooManyMatches(count, limit): "\(count) tokens show this code (more than \(limit)); narrow the search with --user or ask for the serial"
        case let .notActivated(serial, status): "token \(serial) is \(status), not activated; activate it first (oathctl activate \(serial))"
        case let .invalidOperator(problem): problem
        case .unstorableText: "a value holds a NUL character, which no name, serial or code contains; remove it"
        case let .operatorExists(name): "an operator named \(name) already exists"
        case let .operatorNotFound(name): "no operator named \(name)"
        case let .lastAdmin(name): "\(name) is the last enabled admin; make another admin first (an admin cannot lock every admin out)"
        case .loginRefused: "the name or the password (or key) is wrong, or the operator is locked or disabled"
        case let .batchNotFound(batch): "no batch \(batch) in the store; 'oathctl batches' or GET /api/v1/batches lists them"
        case let .reportNotKept(batch): "batch \(batch) was imported before error reports were kept with batches; validate its file again for the report"
        case .storeFull: "the disk holding the store is full, so nothing of this operation was stored; free space there and try again"
        case .importRaced: "the store changed while this file was imported (another import, an assignment, an app or a deletion), so nothing of it was stored; import it again"
        case let .busy(work, seconds): "the server is busy with other \(work) work and did not start this; nothing was done: try again in \(seconds) s"
        case let .database(message): "the store failed: \(message)"
        }
    }
}
