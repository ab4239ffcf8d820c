import SecretSealing
import TokenDomain
import TokenImport

/// Where tokens live: the seam between the service and a backend (SQLite, PostgreSQL).
///
/// A backend stores what the service decided and holds no rule of its own, beyond the database's
/// guards (unique serial keys, the method-limit triggers, CHECK constraints) that make two nodes
/// unable to both win. Every write is one transaction; a killed process leaves the store as it was
/// before or after.
public protocol TokenRepository: Sendable {
    /// Where the store is, for messages and `store copy` audit (never a password).
    var location: String { get }

    /// Releases the store's connections; the repository is not used afterwards.
    func close() async

    /// Runs one write transaction: locks and reads what `reads` names, lets `decide` (the service's
    /// rules, synchronous) rule on those facts, applies its changes in order, appends its audit
    /// entries and commits. Anything `decide` throws rolls the transaction back and is rethrown.
    /// `decide` only computes: a backend may call it again on fresh facts (PostgreSQL's sign-in
    /// check does when a row changed under it), and only the last call's decision is stored.
    ///
    /// Locks, so concurrent operations on other nodes wait rather than race: the user named by
    /// `reads.userKey` (before anything else), then the token named by `reads.serial`.
    func perform<T>(_ reads: TransactionReads, _ decide: (TransactionFacts) throws -> Decision<T>) async throws -> T

    func tokens(matching filter: TokenFilter) async throws -> [Token]
    /// At most `limit` tokens matching `filter`, newest first, stored before the cursor `before`
    /// (the `next` of the previous page).
    func tokenPage(matching filter: TokenFilter, limit: Int, before: Int64?) async throws -> TokenPage
    /// One token, or nil; `serial` is compared as a serial key.
    func token(serial: String) async throws -> Token?
    /// One user's apps (by user key), or everyone's.
    func apps(userKey: String?) async throws -> [AuthenticatorApp]
    /// Every operator, by name.
    func operators() async throws -> [Operator]
    /// One operator with its credential verifier, or nil (read without a lock: a login checks the
    /// password outside any transaction, as the hash is slow, then records the outcome in one).
    func operatorRecord(named name: String) async throws -> OperatorRecord?
    /// The operator whose credential verifier is exactly `verifier` (an API key's digest), or nil.
    func operatorRecord(verifier: String) async throws -> OperatorRecord?
    func policy() async throws -> Policy
    func auditTrail(_ query: AuditQuery) async throws -> [AuditEntry]
    func batches() async throws -> [Batch]
    /// The error report kept with a batch.
    func report(batch: Int64) async throws -> StoredReport

    /// The tokens `find` checks (`digits` digits, one user's if `userKey` is set), a block at a time:
    /// `body` gets each block while the backend reads the next.
    func forEachCandidateBlock(digits: Int, userKey: String?, blockSize: Int, _ body: (CandidateBlock) throws -> Void) async throws

    /// Every token with its sealed seed, in serial order (export, store copy).
    func forEachSealedToken(_ body: (TokenRecord) throws -> Void) async throws

    /// Validates a token file against the store and stores the accepted rows, in one transaction
    /// that holds the store's ownership lock: the file rules read the store's facts under it.
    /// Seeds are sealed with the backend's vault; `entry` is the audit stamp of the batch.
    func importTokens(_ input: TokenInput, validator: FileValidator, options: ImportOptions,
                      handlers: FileValidator.Handlers, stamp: AuditStamp) async throws -> ImportResult

    /// Everything but the tokens, for `store copy`.
    func contents() async throws -> StoreContents
    /// Fills an empty store with `contents` and `tokens` (seeds still sealed), in one transaction,
    /// then appends `entry`. Refused when the store already holds a token, an app or a batch.
    func restore(_ contents: StoreContents, tokens: [TokenRecord], entry: AuditEntry) async throws
}

/// What one write transaction locks and reads before the rules decide.
public struct TransactionReads: Sendable {
    /// Unix seconds, for the `updated_at` of changed rows.
    public var at: Int64
    /// The token to lock and read, as a serial (compared as its key).
    public var serial: String?
    /// The user to lock and (unless `activatedTokens`, where the count is not needed) whose methods to count.
    public var userKey: String?
    /// With `userKey`: whether this app name exists for the user.
    public var appName: String?
    /// The operator to lock and read.
    public var operatorName: String?
    /// Lock the set of operators and count the enabled admins (for changes that could remove the last).
    public var operators = false
    /// The session (by its id's digest) to read, with its operator.
    public var sessionDigest: String?
    /// With `userKey`: lock and read the user's activated tokens (a sign-in check).
    public var activatedTokens = false

    public init(at: Int64, serial: String? = nil, userKey: String? = nil, appName: String? = nil, operatorName: String? = nil,
                operators: Bool = false, sessionDigest: String? = nil, activatedTokens: Bool = false) {
        self.at = at
        self.serial = serial
        self.userKey = userKey
        self.appName = appName
        self.operatorName = operatorName
        self.operators = operators
        self.sessionDigest = sessionDigest
        self.activatedTokens = activatedTokens
    }
}

/// What the rules decide on, read under the transaction's locks.
public struct TransactionFacts: Sendable {
    public var token: TokenRecord?
    /// Tokens and apps held by `reads.userKey` (0 when none was named).
    public var methodCount: Int
    public var appExists: Bool
    public var policy: Policy
    public var operatorRecord: OperatorRecord?
    /// Enabled admins (counted when `reads.operators`; 0 otherwise).
    public var enabledAdmins: Int
    public var session: Session?
    /// The user's activated tokens, by serial (when `reads.activatedTokens`).
    public var activatedTokens: [TokenRecord]

    public init(token: TokenRecord?, methodCount: Int, appExists: Bool, policy: Policy, operatorRecord: OperatorRecord? = nil,
                enabledAdmins: Int = 0, session: Session? = nil, activatedTokens: [TokenRecord] = []) {
        self.token = token
        self.methodCount = methodCount
        self.appExists = appExists
        self.policy = policy
        self.operatorRecord = operatorRecord
        self.enabledAdmins = enabledAdmins
        self.session = session
        self.activatedTokens = activatedTokens
    }
}

/// What the rules decided: changes to apply in order, entries to append, and the answer.
public struct Decision<Result> {
    public var changes: [StoreChange]
    public var audit: [AuditEntry]
    public var result: Result

    public init(changes: [StoreChange] = [], audit: [AuditEntry] = [], result: Result) {
        self.changes = changes
        self.audit = audit
        self.result = result
    }
}

/// One change a backend applies. Serials are as stored (the token read); `at` is the reads' time.
public enum StoreChange: Sendable, Equatable {
    /// Sets the owner and status `assigned`.
    case assign(serial: String, upn: String)
    /// Clears the owner and the activation state; the replay floor (`lastUsedStep`) stays.
    case unassign(serial: String)
    case delete(serial: String)
    /// Saves what a code check (or an unlock) left.
    case saveCheck(serial: String, CodeCheck.State)
    case addApp(upn: String, name: String)
    case removeApp(upn: String, name: String)
    case setPolicy(Policy.Setting, Int)
    case addOperator(OperatorRecord)
    /// Saves an operator's role, state, credential verifier and failed-login count.
    case saveOperator(OperatorRecord)
    case removeOperator(name: String)
    case addSession(Session)
    case touchSession(idDigest: String)
    case removeSession(idDigest: String)
    /// Ends every session of an operator (disabled, locked, removed or given a new password).
    case removeSessions(operatorName: String)
}

/// Who did it, when, under which request: stamped on each audit entry of an operation.
public struct AuditStamp: Sendable {
    public var at: Int64
    public var actor: String
    public var requestId: String
    public var role: String?
    public var client: String?

    public init(at: Int64, actor: String, requestId: String, role: String? = nil, client: String? = nil) {
        self.at = at
        self.actor = actor
        self.requestId = requestId
        self.role = role
        self.client = client
    }

    /// The stamp of an operation under `context`, at `at`.
    public init(at: Int64, context: OperationContext) {
        self.init(at: at, actor: context.actor, requestId: context.requestId, role: context.role?.rawValue, client: context.client)
    }

    public func entry(_ event: AuditEvent, serial: String? = nil, upn: String? = nil) -> AuditEntry {
        AuditEntry(at: at, actor: actor, action: event.action, serial: serial, upn: upn, detail: event.detail, requestId: requestId,
                   role: role, client: client)
    }
}

/// Which audit entries to read, oldest first: filtered by serial and user (both without case),
/// operator, action and time, and paged by entry id.
public struct AuditQuery: Sendable {
    public var serial: String?
    public var user: String?
    public var since: Int64?
    /// Only entries before this time (Unix seconds).
    public var until: Int64?
    /// The operator who acted, exactly.
    public var actor: String?
    public var action: String?
    /// Only entries after this one (the last id of the previous page).
    public var after: Int64?
    /// At most this many (nil: all).
    public var limit: Int?

    public init(serial: String? = nil, user: String? = nil, since: Int64? = nil, until: Int64? = nil, actor: String? = nil,
                action: String? = nil, after: Int64? = nil, limit: Int? = nil) {
        self.serial = serial
        self.user = user
        self.since = since
        self.until = until
        self.actor = actor
        self.action = action
        self.after = after
        self.limit = limit
    }
}
