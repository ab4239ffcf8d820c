import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import OATHCore
import Testing
import TokenDomain
@testable import TokenService

/// Heavy work has lanes of its own: when a lane is full, its work is refused 503 with Retry-After,
/// and sign-in checks go on as if nothing were running.
@Suite struct APILaneTests {
    static let seed = Array("12345678901234567890".utf8)

    @Test(arguments: Backend.all) func aFullLoginLaneRefusesLoginsButNotSignInChecks(backend: Backend) async throws {
        let api = try await APIFixture(backend)
        try await api.store.importText(ServiceFixture.file([("helga@contoso.com", "T1", Base32.encode(Self.seed))]))
        try await api.store.service.activate(serial: "T1", code: code(at: api.store.clock), context: api.store.context)
        api.store.clock += 60
        let lanes = WorkLanes(login: WorkLane(name: "login", threads: 1, concurrency: 1, queueLimit: 0, maxWait: .seconds(5), niceness: 0),
                              bulk: WorkLane(name: "bulk", threads: 1, concurrency: 1, queueLimit: 0, maxWait: .seconds(120), niceness: 0),
                              find: WorkLane(name: "find", threads: 1, concurrency: 1, queueLimit: 0, maxWait: .seconds(30), niceness: 0),
                              findHelpers: 0)
        let clock = api.store.testClock
        let service = TokenService(repository: api.store.repository, vault: api.store.vault, clock: { clock.now },
                                   passwordIterations: 1_000, lanes: lanes)
        // Something else holds every lane: a login, an import and a find, say.
        let gate = WorkLaneTests.Gate()
        let holders = [lanes.login, lanes.bulk, lanes.find].map { lane in Task { try await lane.run { await gate.wait() } } }
        for _ in 0..<2_000 where gate.arrivals < 3 { try await Task.sleep(for: .milliseconds(5)) }
        try #require(gate.arrivals == 3)
        let now = api.store.clock
        try await api.run(service: service) { client in
            let login = try await client.call(.post, "/session", json: #"{"name":"helpdesk-person","password":"\#(APIFixture.password)"}"#)
            #expect(login.status == .serviceUnavailable)
            #expect(login.headers[.retryAfter] == "5")
            #expect((login.json as? [String: [String: String]])?["error"]?["code"] == "busy")
            let find = try await client.call(.post, "/find", json: #"{"code":"123456"}"#, headers: bearer(api.keys[.helpdesk]!))
            #expect(find.status == .serviceUnavailable && find.headers[.retryAfter] == "30")
            let validate = try await client.execute(uri: "/api/v1/validate", method: .post, headers: bearer(api.keys[.admin]!),
                                                    body: ByteBuffer(string: ServiceFixture.file([])))
            #expect(validate.status == .serviceUnavailable && validate.headers[.retryAfter] == "120")
            // The application's check needs neither lane.
            let check = try await client.call(.post, "/verify", json: #"{"upn":"helga@contoso.com","code":"\#(code(at: now))"}"#,
                                              headers: bearer(api.keys[.verifier]!))
            #expect(check.status == .ok && (check.json as? [String: Any])?["accepted"] as? Bool == true)
            gate.openGate()
            for holder in holders { try await holder.value }
            let again = try await client.call(.post, "/session", json: #"{"name":"helpdesk-person","password":"\#(APIFixture.password)"}"#)
            #expect(again.status == .ok)
        }
    }

    private func code(at time: Int64) -> String {
        OTP.format(OTP.totp(key: HMACKey(secret: Secret(bytes: Self.seed)), at: UInt64(time), step: 30), digits: 6)
    }
}
