import Foundation
import OATHCore
import Testing
import TokenImport
import TokenService
import TokenStore
import TokenDomain

/// Two nodes on one store at once (two services, each with its own connections): the database's
/// locks and guards, not luck, decide who wins. On PostgreSQL these are two oathctl nodes on one
/// database; on SQLite two processes on one file.
@Suite struct RaceTests {
    static let seed = Array("12345678901234567890".utf8)

    /// One fresh code, twenty concurrent sign-ins spread over two nodes: accepted exactly once.
    @Test(arguments: Backend.all) func aFreshCodeIsAcceptedOnceAcrossNodes(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        try await fixture.importText(ServiceFixture.file([("helga@contoso.com", "R1", Base32.encode(Self.seed))]))
        let key = HMACKey(secret: Secret(bytes: Self.seed))
        func code(_ time: Int64) -> String { OTP.format(OTP.totp(key: key, at: UInt64(time), step: 30), digits: 6) }
        #expect(try await fixture.activate(serial: "R1", code: code(fixture.clock)).accepted)
        fixture.clock += 30
        let fresh = code(fixture.clock)
        let nodes = [fixture.service, try await fixture.secondNode()]
        let outcomes = try await withThrowingTaskGroup(of: CheckOutcome.self) { group in
            for attempt in 0..<20 {
                let node = nodes[attempt % 2]
                group.addTask { try await node.verify(serial: "R1", code: fresh, context: OperationContext(actor: "node\(attempt % 2)")) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter(\.accepted).count == 1)
        #expect(outcomes.filter { !$0.accepted }.allSatisfy { $0.reason == .codeReused || $0.reason == .tokenLocked })
        let accepted = try await fixture.auditTrail(serial: "R1").filter { $0.action == "token.verify" }
        #expect(accepted.count == 1)
    }

    /// The applications' check (`POST /verify`) for one user, twenty at once over two nodes with
    /// the same fresh code: one is accepted, and the audit has one acceptance.
    @Test(arguments: Backend.all) func aFreshSignInCodeIsAcceptedOnceAcrossNodes(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        try await fixture.importText(ServiceFixture.file([("helga@contoso.com", "R1", Base32.encode(Self.seed)),
                                                          ("helga@contoso.com", "R2", ServiceFixture.secret())]))
        let key = HMACKey(secret: Secret(bytes: Self.seed))
        func code(_ time: Int64) -> String { OTP.format(OTP.totp(key: key, at: UInt64(time), step: 30), digits: 6) }
        #expect(try await fixture.activate(serial: "R1", code: code(fixture.clock)).accepted)
        fixture.clock += 30
        let fresh = code(fixture.clock)
        let nodes = [fixture.service, try await fixture.secondNode()]
        let outcomes = try await withThrowingTaskGroup(of: SignInOutcome.self) { group in
            for attempt in 0..<20 {
                let node = nodes[attempt % 2]
                group.addTask { try await node.verifySignIn(upn: "Helga@contoso.com", code: fresh, context: OperationContext(actor: "app\(attempt % 2)")) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter(\.accepted) == [SignInOutcome(accepted: true, serial: "R1")])
        #expect(outcomes.filter { !$0.accepted }.allSatisfy { $0.reason == .codeReused || $0.reason == .tokenLocked })
        #expect(try await fixture.auditTrail(serial: "R1").filter { $0.action == "token.verify" }.count == 1)
    }

    /// A user with four methods, ten concurrent assigns of ten tokens over two nodes: exactly one wins.
    @Test(arguments: Backend.all) func theLastFreeSlotGoesToExactlyOneAssign(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        let held = (1...4).map { ("ivan@contoso.com", "H\($0)", ServiceFixture.secret()) }
        let free = (1...10).map { ("", "F\($0)", ServiceFixture.secret()) }
        try await fixture.importText(ServiceFixture.file(held + free))
        let nodes = [fixture.service, try await fixture.secondNode()]
        let results = await withTaskGroup(of: Result<Void, Error>.self) { group in
            for index in 1...10 {
                let node = nodes[index % 2]
                group.addTask {
                    await Result(catching: { try await node.assign(serial: "F\(index)", to: "Ivan@contoso.com", context: OperationContext(actor: "n")) })
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.filter { if case .success = $0 { true } else { false } }.count == 1)
        for case let .failure(error) in results {
            #expect(error as? StoreError == .userLimit(upn: "Ivan@contoso.com", limit: MethodLimit.perUser)
                || error as? StoreError == .userLimit(upn: "the user", limit: MethodLimit.perUser))
        }
        #expect(try await fixture.tokens(matching: TokenFilter(user: "ivan@contoso.com")).count == 5)
    }

    /// An import giving a token to one user races an assign giving it to another: one owner, and
    /// the loser is told (a finding for the import's row, or a refusal for the assign).
    @Test(arguments: Backend.all) func anImportRacingAnAssignLeavesOneOwner(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        let seeds = (0..<5).map { _ in ServiceFixture.secret() }
        try await fixture.importText(ServiceFixture.file(seeds.indices.map { ("", "X\($0)", seeds[$0]) }))
        let other = try await fixture.secondNode()
        for round in seeds.indices {
            let serial = "X\(round)"
            async let imported = fixture.importText(ServiceFixture.file([("anna@contoso.com", serial, seeds[round])]))
            async let assigned: Result<Void, Error> = Result(catching: {
                try await other.assign(serial: serial, to: "bert@contoso.com", context: OperationContext(actor: "n"))
            })
            let (importResult, findings) = try await imported
            let assignResult = await assigned
            let owner = try await fixture.token(serial: serial).upn
            if importResult.assigned == 1 {
                #expect(owner == "anna@contoso.com")
                #expect(throws: StoreError.assignedToOther(serial: serial, upn: "anna@contoso.com")) { try assignResult.get() }
            } else {
                #expect(owner == "bert@contoso.com")
                #expect(findings.map(\.code) == [.tokenAssignedElsewhere])
                #expect(throws: Never.self) { try assignResult.get() }
            }
        }
    }
}

extension Result where Failure == Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
