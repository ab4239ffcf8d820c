import Foundation
import SecretSealing
import Testing
import TokenDomain
import TokenService

/// Operators on every backend: making them, the last-admin rule, logins with their lockout, API keys.
@Suite struct OperatorTests {
    static let password = Array("a long enough password".utf8)

    @Test(arguments: Backend.all) func operatorsAreMadeListedAndRefusedWhenBad(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        let service = fixture.service, context = fixture.context
        try await service.addOperator(name: "alice", role: .admin, credential: .password(Self.password), context: context)
        try await service.addOperator(name: "vpn", role: .verifier, credential: .apiKey(APIKey.generate()), context: context)
        let listed = try await service.operators()
        #expect(listed.map(\.name) == ["alice", "vpn"] && listed.map(\.role) == [.admin, .verifier] && listed.map(\.kind) == [.person, .program])
        await #expect(throws: StoreError.operatorExists(name: "alice")) {
            try await service.addOperator(name: "alice", role: .helpdesk, credential: .password(Self.password), context: context)
        }
        await #expect(throws: StoreError.invalidOperator("a password needs at least 12 characters")) {
            try await service.addOperator(name: "bob", role: .helpdesk, credential: .password(Array("short".utf8)), context: context)
        }
        await #expect(throws: StoreError.invalidOperator("the operator name must start with a lower-case letter or a digit")) {
            try await service.addOperator(name: "Bob", role: .helpdesk, credential: .password(Self.password), context: context)
        }
        await #expect(throws: StoreError.operatorNotFound(name: "nobody")) { try await service.removeOperator(name: "nobody", context: context) }
        let actions = try await fixture.auditTrail().map(\.action)
        #expect(actions.filter { $0 == "operator.add" }.count == 2)
    }

    /// The store always keeps an enabled admin: the last one cannot be removed or disabled.
    @Test(arguments: Backend.all) func theLastEnabledAdminStays(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        let service = fixture.service, context = fixture.context
        try await service.addOperator(name: "alice", role: .admin, credential: .password(Self.password), context: context)
        await #expect(throws: StoreError.lastAdmin(name: "alice")) { try await service.removeOperator(name: "alice", context: context) }
        await #expect(throws: StoreError.lastAdmin(name: "alice")) { try await service.setDisabled(true, name: "alice", context: context) }
        try await service.addOperator(name: "bert", role: .admin, credential: .password(Self.password), context: context)
        try await service.setDisabled(true, name: "alice", context: context)
        await #expect(throws: StoreError.lastAdmin(name: "bert")) { try await service.removeOperator(name: "bert", context: context) }
        try await service.setDisabled(false, name: "alice", context: context)
        try await service.removeOperator(name: "bert", context: context)
        #expect(try await service.operators().map(\.name) == ["alice"])
    }

    /// Two nodes each remove one of the last two admins at once: one of them is refused.
    @Test(arguments: Backend.all) func twoNodesCannotRemoveTheLastTwoAdmins(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        for name in ["alice", "bert"] {
            try await fixture.service.addOperator(name: name, role: .admin, credential: .password(Self.password), context: fixture.context)
        }
        let other = try await fixture.secondNode()
        async let first = Result(catching: { try await fixture.service.removeOperator(name: "alice", context: fixture.context) })
        async let second = Result(catching: { try await other.removeOperator(name: "bert", context: fixture.context) })
        let results = await [first, second]
        #expect(results.filter { if case .success = $0 { true } else { false } }.count == 1)
        #expect(try await fixture.service.operators().filter { $0.role == .admin }.count == 1)
    }

    @Test(arguments: Backend.all) func loginsCountFailuresLockAndTellNothing(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        let service = fixture.service, context = fixture.context
        try await service.addOperator(name: "hana", role: .helpdesk, credential: .password(Self.password), context: context)
        try await service.setPolicy(.loginThreshold, to: 3, context: context)
        #expect(try await service.authenticate(name: "hana", password: Self.password, context: context).role == .helpdesk)
        for _ in 1...3 {
            await #expect(throws: StoreError.loginRefused) {
                _ = try await service.authenticate(name: "hana", password: Array("a wrong password!".utf8), context: context)
            }
        }
        // Locked: the right password is refused too, with the same error as an unknown name.
        await #expect(throws: StoreError.loginRefused) { _ = try await service.authenticate(name: "hana", password: Self.password, context: context) }
        await #expect(throws: StoreError.loginRefused) { _ = try await service.authenticate(name: "nobody", password: Self.password, context: context) }
        #expect(try await service.operators().first?.lockedUntil == fixture.clock + 15 * 60)
        fixture.clock += 15 * 60
        #expect(try await service.authenticate(name: "hana", password: Self.password, context: context).failedLogins == 0)
        try await service.setDisabled(true, name: "hana", context: context)
        await #expect(throws: StoreError.loginRefused) { _ = try await service.authenticate(name: "hana", password: Self.password, context: context) }

        let trail = try await fixture.auditTrail()
        let actions = trail.map(\.action).filter { $0.hasPrefix("login") || $0 == "operator.lock" }
        #expect(actions == ["login", "login.refused", "login.refused", "login.refused", "operator.lock", "login.refused", "login.refused",
                            "login", "login.refused"])
        #expect(trail.contains { $0.detail == "operator (unknown): no such operator" })
        for entry in trail { #expect(!entry.detail.contains("password") && !entry.detail.contains("nobody")) }
    }

    @Test(arguments: Backend.all) func anAPIKeyIdentifiesItsProgramUntilDisabledOrReplaced(backend: Backend) async throws {
        let fixture = try await ServiceFixture(backend)
        let service = fixture.service, context = fixture.context
        try await service.addOperator(name: "alice", role: .admin, credential: .password(Self.password), context: context)
        let key = APIKey.generate()
        try await service.addOperator(name: "vpn", role: .verifier, credential: .apiKey(key), context: context)
        #expect(try await service.authenticate(apiKey: key).name == "vpn")
        await #expect(throws: StoreError.loginRefused) { _ = try await service.authenticate(apiKey: APIKey.generate()) }
        await #expect(throws: StoreError.loginRefused) { _ = try await service.authenticate(name: "vpn", password: Array(key.utf8), context: context) }
        let replacement = APIKey.generate()
        await #expect(throws: StoreError.self) { try await service.changeCredential(name: "vpn", to: .password(Self.password), context: context) }
        try await service.changeCredential(name: "vpn", to: .apiKey(replacement), context: context)
        await #expect(throws: StoreError.loginRefused) { _ = try await service.authenticate(apiKey: key) }
        #expect(try await service.authenticate(apiKey: replacement).name == "vpn")
        try await service.setDisabled(true, name: "vpn", context: context)
        await #expect(throws: StoreError.loginRefused) { _ = try await service.authenticate(apiKey: replacement) }
        for entry in try await fixture.auditTrail() { #expect(!entry.detail.contains(key.dropFirst(4).prefix(16))) }
    }
}
