import Foundation
import SecretSealing
import Testing
import TokenDomain
import TokenService

/// People's sessions on every backend: idle and absolute expiry, logout, and every way an operator
/// loses its sessions at once.
@Suite struct SessionTests {
    static let password = Array("a long enough password".utf8)

    static func setUp(_ backend: Backend) async throws -> ServiceFixture {
        let fixture = try await ServiceFixture(backend)
        for (name, role) in [("alice", Role.admin), ("hana", .helpdesk)] {
            try await fixture.service.addOperator(name: name, role: role, credential: .password(password), context: fixture.context)
        }
        return fixture
    }

    @Test(arguments: Backend.all) func aSessionHoldsWhileUsedAndEndsWhenIdleOrOld(backend: Backend) async throws {
        let fixture = try await Self.setUp(backend)
        let service = fixture.service, context = fixture.context
        let started = try await service.startSession(name: "hana", password: Self.password, context: context)
        #expect(started.id.count == 64 && started.csrfToken.count == 64 && started.id != started.csrfToken)
        let holder = try await service.session(id: started.id, context: context)
        #expect(holder.account.name == "hana" && holder.acceptsCSRF(started.csrfToken))
        #expect(!holder.acceptsCSRF(nil) && !holder.acceptsCSRF(started.id) && !holder.acceptsCSRF(Digest.sha256Hex(started.csrfToken)))
        // The store keeps digests: a digest presented as an id is no session.
        await #expect(throws: StoreError.loginRefused) { _ = try await service.session(id: Digest.sha256Hex(started.id), context: context) }
        // Used every 14 minutes it lives on; 12 hours after it began it ends however used.
        for _ in 0..<4 {
            fixture.clock += 14 * 60
            _ = try await service.session(id: started.id, context: context)
        }
        fixture.clock += 16 * 60
        await #expect(throws: StoreError.loginRefused) { _ = try await service.session(id: started.id, context: context) }
        let old = try await service.startSession(name: "hana", password: Self.password, context: context)
        for _ in 0..<52 {
            fixture.clock += 14 * 60
            _ = try? await service.session(id: old.id, context: context)
        }
        await #expect(throws: StoreError.loginRefused) { _ = try await service.session(id: old.id, context: context) }
    }

    @Test(arguments: Backend.all) func logoutDisablingAndANewPasswordEndSessions(backend: Backend) async throws {
        let fixture = try await Self.setUp(backend)
        let service = fixture.service, context = fixture.context
        let first = try await service.startSession(name: "hana", password: Self.password, context: context)
        try await service.endSession(id: first.id, context: context)
        await #expect(throws: StoreError.loginRefused) { _ = try await service.session(id: first.id, context: context) }

        let second = try await service.startSession(name: "hana", password: Self.password, context: context)
        try await service.setDisabled(true, name: "hana", context: context)
        try await service.setDisabled(false, name: "hana", context: context)
        await #expect(throws: StoreError.loginRefused) { _ = try await service.session(id: second.id, context: context) }

        let third = try await service.startSession(name: "hana", password: Self.password, context: context)
        try await service.changeCredential(name: "hana", to: .password(Array("another long password".utf8)), context: context)
        await #expect(throws: StoreError.loginRefused) { _ = try await service.session(id: third.id, context: context) }

        let fourth = try await service.startSession(name: "alice", password: Self.password, context: context)
        try await service.setPolicy(.loginThreshold, to: 1, context: context)
        _ = try? await service.authenticate(name: "alice", password: Array("wrong password here".utf8), context: context)
        await #expect(throws: StoreError.loginRefused) { _ = try await service.session(id: fourth.id, context: context) }
        let actions = try await fixture.auditTrail().map(\.action)
        #expect(actions.contains("logout") && actions.contains("operator.lock"))
    }
}
