import Foundation
import GRDB
import Logging
import OATHCore
import SecretSealing
import TokenImport
@testable import TokenService
import TokenStorePostgres
@testable import TokenStore
import TokenDomain

/// A clock tests move by hand; shared by the service and the test.
final class TestClock: @unchecked Sendable {
    // @unchecked: `value` is read and written under `lock`.
    private let lock = NSLock()
    private var value: Int64 = 1_800_000_000
    var now: Int64 {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}

/// A fresh store on one backend (a temporary SQLite file, or a new PostgreSQL database) behind a
/// service with a fixed clock, and the test's operator.
final class ServiceFixture: @unchecked Sendable {
    let backend: Backend
    let directory: URL
    let key = MasterKey.forTesting((0..<32).map { UInt8($0) })
    let vault: Vault
    let testClock = TestClock()
    let repository: any TokenRepository
    let service: TokenService
    let context = OperationContext(actor: "tester", requestId: "request-1")
    /// Where a PostgreSQL store lives (nil on SQLite).
    let postgres: PostgresLocation?

    var clock: Int64 {
        get { testClock.now }
        set { testClock.now = newValue }
    }

    init(_ backend: Backend, logger: Logger = Logger(label: "test")) async throws {
        self.backend = backend
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("oathctl-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        vault = Vault(key: key)
        let stamp = AuditStamp(at: testClock.now, actor: "tester", requestId: "request-0")
        switch backend {
        case .sqlite:
            postgres = nil
            repository = try TokenStore.create(path: directory.appendingPathComponent("tokens.sqlite").path, vault: vault,
                                               entry: stamp.entry(.storeCreated))
        case .postgres:
            let location = try await PostgresTestServer.makeDatabase()
            postgres = location
            repository = try await PostgresStore.create(location, password: PostgresTestServer.password, vault: vault,
                                                        entry: stamp.entry(.storeCreated))
        }
        let clock = testClock
        service = TokenService(repository: repository, vault: vault, clock: { clock.now }, logger: logger, passwordIterations: 1_000)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    var path: String { directory.appendingPathComponent("tokens.sqlite").path }
    /// The SQLite store, for tests of that backend's own workings.
    var sqlite: TokenStore { repository as! TokenStore }

    /// Another service on the same store, as a second node would open it (PostgreSQL) or a second process (SQLite).
    func secondNode() async throws -> TokenService {
        let clock = testClock
        let other: any TokenRepository
        switch backend {
        case .sqlite: other = try TokenStore.open(path: path, vault: vault)
        case .postgres: other = try await PostgresStore.open(postgres!, password: PostgresTestServer.password, vault: vault)
        }
        return TokenService(repository: other, vault: vault, clock: { clock.now })
    }

    /// Writes an unassigned SHA-1 token straight into the store, past every rule (for states an
    /// import would refuse, such as a seed under two serials from an older store).
    func insertUnchecked(serial: String, secret: Secret) async throws {
        let sealed = vault.box.seal(secret, serial: serial)
        switch backend {
        case .sqlite:
            try sqlite.write { db in
                try db.execute(sql: """
                    INSERT INTO token(serial, serial_key, sealed_secret, interval, hash, digits, manufacturer, model, status, created_at, updated_at)
                    VALUES (?, lower(?), ?, 30, 'sha1', 6, 'Contoso', 'Key', 'available', 0, 0)
                    """, arguments: [serial, serial, Data(sealed)])
            }
        case .postgres:
            try await PostgresTestServer.query(postgres!, """
                INSERT INTO token(serial, serial_key, sealed_secret, interval, hash, digits, manufacturer, model, status, created_at, updated_at)
                VALUES ('\(serial)', lower('\(serial)'), '\\x\(Hex.encode(sealed))'::bytea, 30, 'sha1', 6, 'Contoso', 'Key', 'available', 0, 0)
                """)
        }
    }

    /// Imports CSV text; returns the result and the findings.
    @discardableResult
    func importText(_ text: String, atomic: Bool = false, service: TokenService? = nil) async throws -> (ImportResult, [Finding]) {
        let findings = FindingList()
        let report = KeptReport()
        let file = directory.appendingPathComponent("import-\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: file)
        let result = try await (service ?? self.service).importTokens(
            .csv(path: file.path), options: .init(fileName: "test.csv", sha256: "test", atomic: atomic, report: report),
            handlers: .init { findings.append($0); report.add($0) }, context: context)
        return (result, findings.all)
    }

    // The service's operations as this fixture's operator.
    func assign(serial: String, to upn: String) async throws { try await service.assign(serial: serial, to: upn, context: context) }
    func unassign(serial: String) async throws { try await service.unassign(serial: serial, context: context) }
    func delete(serial: String, force: Bool) async throws { try await service.delete(serial: serial, force: force, context: context) }
    func addApp(upn: String, name: String) async throws { try await service.addApp(upn: upn, name: name, context: context) }
    func removeApp(upn: String, name: String) async throws { try await service.removeApp(upn: upn, name: name, context: context) }
    func activate(serial: String, code: String, user: String? = nil) async throws -> CheckOutcome {
        try await service.activate(serial: serial, code: code, user: user, context: context)
    }
    func verify(serial: String, code: String) async throws -> CheckOutcome { try await service.verify(serial: serial, code: code, context: context) }
    func resync(serial: String, first: String, second: String) async throws -> CheckOutcome {
        try await service.resync(serial: serial, first: first, second: second, context: context)
    }
    @discardableResult
    func unlock(serial: String) async throws -> Bool { try await service.unlock(serial: serial, context: context) }
    func setPolicy(_ setting: Policy.Setting, to value: Int) async throws { try await service.setPolicy(setting, to: value, context: context) }
    func find(code: String, user: String? = nil, blockSize: Int = 32_768) async throws -> [FoundToken] {
        try await service.find(code: code, user: user, context: context, blockSize: blockSize)
    }
    func tokens(matching filter: TokenFilter = TokenFilter()) async throws -> [Token] { try await service.tokens(matching: filter) }
    func token(serial: String) async throws -> Token { try await service.token(serial: serial) }
    func auditTrail(serial: String? = nil, user: String? = nil) async throws -> [AuditEntry] {
        try await service.auditTrail(AuditQuery(serial: serial, user: user))
    }
    func batches() async throws -> [Batch] { try await service.batches() }

    static let header = "upn,serial number,secret key,time interval,manufacturer,model"

    /// A file with the given (upn, serial, secret) rows.
    static func file(_ rows: [(String, String, String)]) -> String {
        ([header] + rows.map { "\($0.0),\($0.1),\($0.2),30,Contoso,Key" }).joined(separator: "\n") + "\n"
    }

    /// A random 20-byte secret in Base32.
    static func secret() -> String { Base32.encode((0..<20).map { _ in UInt8.random(in: 0...255) }) }
}

/// Findings collected by an import's handler (which may run on another thread).
final class FindingList: @unchecked Sendable {
    // @unchecked: `items` is only touched under `lock`.
    private let lock = NSLock()
    private var items: [Finding] = []
    func append(_ finding: Finding) { lock.withLock { items.append(finding) } }
    var all: [Finding] { lock.withLock { items } }
}
