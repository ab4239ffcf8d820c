import Logging
import SecretSealing
import TokenDomain

/// The one place the rules run: every front end (CLI, server) calls it, every backend sits behind it.
///
/// Each operation names its operator and request (`OperationContext`), runs in one repository
/// transaction, and logs one line per audited change once that transaction has committed (nothing
/// from one rolled back), never a seed, code or key. Immutable, so one service may serve many tasks.
public struct TokenService: Sendable {
    public let repository: any TokenRepository
    let vault: Vault
    /// Unix seconds; injected so tests and `OATHCTL_NOW` are deterministic.
    let clock: @Sendable () -> Int64
    let logger: Logger
    /// PBKDF2 iterations for new passwords (`PasswordHash.defaultIterations`; tests use fewer).
    let passwordIterations: Int
    /// Where heavy work runs (hashing, files, find, exports): never the pool sign-in checks need.
    public let lanes: WorkLanes

    public init(repository: any TokenRepository, vault: Vault, clock: @escaping @Sendable () -> Int64,
                logger: Logger = Logger(label: "oathctl.service"), passwordIterations: Int = PasswordHash.defaultIterations,
                lanes: WorkLanes = .command) {
        self.repository = repository
        self.vault = vault
        self.clock = clock
        self.logger = logger
        self.passwordIterations = passwordIterations
        self.lanes = lanes
    }

    /// Runs one transaction: `decide` gets the facts read under its locks and the audit stamp.
    func transaction<T>(_ context: OperationContext, serial: String? = nil, userKey: String? = nil, appName: String? = nil,
                        operatorName: String? = nil, operators: Bool = false, sessionDigest: String? = nil, activatedTokens: Bool = false,
                        _ decide: (TransactionFacts, AuditStamp) throws -> Decision<T>) async throws -> T {
        let stamp = AuditStamp(at: clock(), context: context)
        var entries: [AuditEntry] = []
        let reads = TransactionReads(at: stamp.at, serial: serial, userKey: userKey, appName: appName, operatorName: operatorName,
                                     operators: operators, sessionDigest: sessionDigest, activatedTokens: activatedTokens)
        let result: T
        do {
            result = try await repository.perform(reads) { facts in
                let decision = try decide(facts, stamp)
                entries = decision.audit
                return decision
            }
        } catch {
            log(refusal: error, context: context)
            throw error
        }
        log(entries)
        return result
    }

    /// One line per committed audit entry.
    func log(_ entries: [AuditEntry]) {
        for entry in entries {
            logger.info("\(entry.action)", metadata: [
                "actor": "\(entry.actor)", "request": "\(entry.requestId ?? "")", "serial": "\(entry.serial ?? "")",
                "upn": "\(entry.upn ?? "")", "detail": "\(entry.detail)",
            ])
        }
    }

    /// A refused or failed operation: a notice for a rule's no, an error when the store failed.
    func log(refusal error: Error, context: OperationContext) {
        let kind = (error as? StoreError)?.kind ?? .failure
        logger.log(level: kind == .failure ? .error : .notice, "operation refused", metadata: [
            "actor": "\(context.actor)", "request": "\(context.requestId)", "kind": "\(kind.rawValue)",
            "reason": "\((error as? StoreError)?.description ?? String(describing: type(of: error)))",
        ])
    }

    /// The token the transaction read, or `tokenNotFound`.
    static func required(_ facts: TransactionFacts, serial: String) throws -> TokenRecord {
        guard let token = facts.token else { throw StoreError.tokenNotFound(serial: serial) }
        return token
    }
}
