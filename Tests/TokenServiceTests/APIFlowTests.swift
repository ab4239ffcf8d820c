import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import OATHCore
import Testing
import TokenDomain
import TokenStorePostgres

/// The helpdesk flow over the API with a session, and an application's sign-in checks with its key.
@Suite struct APIFlowTests {
    static let seed = Array("12345678901234567890".utf8)

    @Test(arguments: Backend.all) func theHelpdeskFlowUnderItsOwnName(backend: Backend) async throws {
        let api = try await APIFixture(backend)
        try await api.store.importText(ServiceFixture.file([("helga@contoso.com", "T1", Base32.encode(Self.seed))]))
        let key = HMACKey(secret: Secret(bytes: Self.seed))
        let clock = api.store.clock
        let current = OTP.format(OTP.totp(key: key, at: UInt64(clock), step: 30), digits: 6)
        try await api.run { client in
            let wrong = try await client.call(.post, "/session", json: #"{"name":"helpdesk-person","password":"not the password at all"}"#)
            #expect(wrong.status == .unauthorized)
            let login = try await client.call(.post, "/session", json: #"{"name":"helpdesk-person","password":"\#(APIFixture.password)"}"#)
            #expect(login.status == .ok)
            let cookie = try #require(login.headers[.setCookie])
            #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict") && cookie.contains("Path=/"))
            let session = String(cookie.split(separator: ";")[0])
            let csrf = try #require((login.json as? [String: Any])?["csrfToken"] as? String)
            var headers: HTTPFields = [.cookie: session]
            #expect(try await client.call(.get, "/users/helga@contoso.com", headers: headers).status == .ok)
            // A change without the CSRF token is refused, even with the cookie.
            let forged = try await client.call(.post, "/tokens/T1/activate", json: #"{"code":"\#(current)"}"#, headers: headers)
            #expect(forged.status == .forbidden && forged.text.contains("csrf_missing"))
            headers[HTTPField.Name("X-CSRF-Token")!] = csrf
            let found = try await client.call(.post, "/find", json: #"{"code":"\#(current)"}"#, headers: headers)
            #expect(found.status == .ok && found.text.contains("\"serial\":\"T1\""))
            let activated = try await client.call(.post, "/tokens/T1/activate", json: #"{"code":"\#(current)"}"#, headers: headers)
            #expect(activated.status == .ok && (activated.json as? [String: Any])?["accepted"] as? Bool == true)
            let replay = try await client.call(.post, "/tokens/T1/verify", json: #"{"code":"\#(current)"}"#, headers: headers)
            #expect(replay.status == .ok && (replay.json as? [String: Any])?["reason"] as? String == "code_reused")
            for _ in 0..<10 { _ = try await client.call(.post, "/tokens/T1/verify", json: #"{"code":"000000"}"#, headers: headers) }
            let locked = try await client.call(.get, "/tokens/T1", headers: headers)
            #expect((locked.json as? [String: Any])?["lockedUntil"] != nil)
            #expect(try await client.call(.post, "/tokens/T1/unlock", headers: headers).status == .ok)
            // Not the helpdesk's: deleting, policy, operators.
            #expect(try await client.call(.delete, "/tokens/T1", headers: headers).status == .forbidden)
            #expect(try await client.call(.delete, "/session", headers: headers).status == .noContent)
            #expect(try await client.call(.get, "/tokens/T1", headers: headers).status == .unauthorized)
            // Logging in again with the dead cookie still sent along works: login needs no session.
            let again = try await client.call(.post, "/session", json: #"{"name":"helpdesk-person","password":"\#(APIFixture.password)"}"#,
                                              headers: headers)
            #expect(again.status == .ok)
            // Errors carry the command line's words and the request id, also sent as a header.
            let missing = try await client.call(.get, "/tokens/NOPE", headers: bearer(api.keys[.auditor]!))
            #expect(missing.status == .notFound && missing.text.contains("no token with serial NOPE in the store"))
            #expect(missing.text.contains(missing.headers[HTTPField.Name("X-Request-Id")!]!))
            for name in ["Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "Cache-Control"] {
                #expect(missing.headers[HTTPField.Name(name)!] != nil, "\(name)")
            }
        }
        let trail = try await api.store.auditTrail(serial: "T1")
        #expect(trail.filter { $0.action.hasPrefix("token.") && $0.action != "token.add" }.allSatisfy { $0.actor == "helpdesk-person" })
        #expect(trail.contains { $0.action == "token.activate" && $0.actor == "helpdesk-person" })
        // Through the server every entry names the role and the client's address too.
        #expect(trail.filter { $0.actor == "helpdesk-person" }.allSatisfy { $0.role == "helpdesk" && $0.client != nil && $0.requestId != nil })
    }

    /// GET /tokens pages newest first with a cursor, in the store's SQL, and filters before it pages.
    @Test(arguments: Backend.all) func tokensArePagedNewestFirst(backend: Backend) async throws {
        let api = try await APIFixture(backend)
        try await api.store.importText(ServiceFixture.file((1...5).map { ("", "P\($0)", ServiceFixture.secret()) }))
        try await api.store.importText(ServiceFixture.file([("helga@contoso.com", "P6", ServiceFixture.secret()),
                                                            ("helga@contoso.com", "P7", ServiceFixture.secret())]))
        let auditor = bearer(api.keys[.auditor]!)
        try await api.run { client in
            var serials: [String] = [], after: String?, pages = 0
            repeat {
                let page = try await client.call(.get, "/tokens?limit=3" + (after.map { "&after=\($0)" } ?? ""), headers: auditor)
                let body = try #require(page.json as? [String: Any])
                serials += (body["tokens"] as? [[String: Any]] ?? []).compactMap { $0["serial"] as? String }
                after = body["next"] as? String
                pages += 1
            } while after != nil && pages < 10
            #expect(serials == ["P7", "P6", "P5", "P4", "P3", "P2", "P1"] && pages == 3)
            let helga = try await client.call(.get, "/tokens?upn=HELGA@contoso.com&limit=1", headers: auditor)
            let first = try #require(helga.json as? [String: Any])
            #expect((first["tokens"] as? [[String: Any]])?.map { $0["serial"] as? String } == ["P7"])
            let rest = try await client.call(.get, "/tokens?upn=helga@contoso.com&limit=1&after=\(first["next"] as! String)", headers: auditor)
            #expect(rest.text.contains("\"P6\"") && !rest.text.contains("\"next\""))
            #expect(try await client.call(.get, "/tokens?after=P3", headers: auditor).status == .badRequest)
        }
    }

    /// GET /audit filters by operator and action and pages by entry id, in the store's SQL.
    @Test(arguments: Backend.all) func theAuditTrailIsFilteredAndPaged(backend: Backend) async throws {
        let api = try await APIFixture(backend)
        try await api.store.importText(ServiceFixture.file((1...3).map { ("", "A\($0)", ServiceFixture.secret()) }))
        let admin = bearer(api.keys[.admin]!)
        try await api.run { client in
            for serial in ["A1", "A2", "A3"] {
                _ = try await client.call(.post, "/tokens/\(serial)/assign", json: #"{"upn":"helga@contoso.com"}"#, headers: admin)
            }
            let first = try await client.call(.get, "/audit?operator=admin-program&action=token.assign&limit=2", headers: admin)
            let entries = try #require(first.json as? [[String: Any]])
            #expect(entries.map { $0["serial"] as? String } == ["A1", "A2"])
            let last = try #require(entries.last?["id"] as? Int)
            let rest = try #require(try await client.call(.get, "/audit?operator=admin-program&action=token.assign&after=\(last)",
                                                          headers: admin).json as? [[String: Any]])
            #expect(rest.map { $0["serial"] as? String } == ["A3"])
            #expect(try await client.call(.get, "/audit?after=-1", headers: admin).status == .badRequest)
        }
    }

    /// GET /metrics: requests by route template and status, sign-in outcomes; for admins and
    /// auditors (or a loopback scrape); never a user, serial or code in a label.
    @Test func metricsCountRequestsAndSignInsWithoutNamingAnyone() async throws {
        let api = try await APIFixture(.sqlite)
        try await api.run { client in
            let verifier = bearer(api.keys[.verifier]!)
            _ = try await client.call(.post, "/verify", json: #"{"upn":"helga@contoso.com","code":"482913"}"#, headers: verifier)
            _ = try await client.call(.get, "/tokens", headers: verifier)
            #expect(try await client.call(.get, "/metrics", headers: bearer(api.keys[.helpdesk]!)).status == .forbidden)
            #expect(try await client.call(.get, "/metrics").status == .unauthorized)
            let scraped = try await client.call(.get, "/metrics", headers: bearer(api.keys[.auditor]!))
            #expect(scraped.status == .ok && scraped.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = scraped.text
            #expect(text.contains(#"oathctl_http_requests_total{route="/api/v1/verify",method="POST",status="200"} 1"#), "\(text)")
            #expect(text.contains(#"oathctl_http_requests_total{route="/api/v1/tokens",method="GET",status="403"} 1"#))
            #expect(text.contains(#"oathctl_sign_in_checks_total{outcome="wrong_code"} 1"#))
            #expect(text.contains(#"oathctl_http_request_duration_seconds_bucket{route="/api/v1/verify",le="#))
            for secret in ["helga", "482913", api.keys[.verifier]!] { #expect(!text.contains(secret)) }
        }
    }

    @Test(arguments: Backend.all) func anApplicationChecksSignInsAndNothingElse(backend: Backend) async throws {
        let api = try await APIFixture(backend)
        try await api.store.importText(ServiceFixture.file([("helga@contoso.com", "T1", Base32.encode(Self.seed))]))
        let key = HMACKey(secret: Secret(bytes: Self.seed))
        let clock = api.store.clock
        func code(_ time: Int64) -> String { OTP.format(OTP.totp(key: key, at: UInt64(time), step: 30), digits: 6) }
        _ = try await api.store.activate(serial: "T1", code: code(clock))
        api.store.clock += 30
        let next = code(clock + 30)
        let verifier = bearer(api.keys[.verifier]!)
        try await api.run { client in
            let accepted = try await client.call(.post, "/verify", json: #"{"upn":"Helga@contoso.com","code":"\#(next)"}"#, headers: verifier)
            #expect(accepted.status == .ok && accepted.text == #"{"accepted":true,"serial":"T1"}"#)
            let replay = try await client.call(.post, "/verify", json: #"{"upn":"helga@contoso.com","code":"\#(next)"}"#, headers: verifier)
            #expect(replay.text == #"{"accepted":false,"reason":"code_reused"}"#)
            // A user who does not exist gets the answer a wrong code gets.
            let nobody = try await client.call(.post, "/verify", json: #"{"upn":"nobody@contoso.com","code":"123456"}"#, headers: verifier)
            #expect(nobody.status == .ok && nobody.text == #"{"accepted":false,"reason":"wrong_code"}"#)
            #expect(try await client.call(.get, "/tokens/T1", headers: verifier).status == .forbidden)
            #expect(try await client.call(.post, "/verify", json: "{not json", headers: verifier).status == .badRequest)
            #expect(try await client.call(.post, "/verify", json: "{}", headers: bearer("oak_" + String(repeating: "0", count: 64))).status == .unauthorized)
        }
    }

    /// One address guessing: past the limit of failures it is answered 429 with Retry-After, for
    /// logins and API keys alike, even with the right password; the audit never names an unknown name.
    @Test(arguments: Backend.all) func anAddressThatKeepsFailingIsThrottled(backend: Backend) async throws {
        let api = try await APIFixture(backend)
        try await api.run(failuresPerAddress: 3) { client in
            for attempt in 1...3 {
                let wrong = try await client.call(.post, "/session", json: #"{"name":"guess\#(attempt)","password":"hunter2hunter2"}"#)
                #expect(wrong.status == .unauthorized)
            }
            let throttled = try await client.call(.post, "/session", json: #"{"name":"helpdesk-person","password":"\#(APIFixture.password)"}"#)
            #expect(throttled.status == .tooManyRequests && throttled.text.contains("throttled"))
            #expect(Int(throttled.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(try await client.call(.get, "/tokens", headers: bearer(api.keys[.admin]!)).status == .tooManyRequests)
        }
        let trail = try await api.store.auditTrail()
        #expect(trail.filter { $0.action == "login.refused" }.count == 3)
        #expect(!trail.contains { $0.actor.hasPrefix("guess") || $0.detail.contains("guess") || $0.detail.contains("hunter2") })
    }

    /// A store that does not answer is a 503 for every request, never counted as the client's
    /// failure: a gateway is not throttled for the database's outage.
    @Test(arguments: Backend.postgresOnly) func anUnreachableStoreIsNotTheClientsFailure(backend: Backend) async throws {
        let api = try await APIFixture(backend)
        let verifier = bearer(api.keys[.verifier]!)
        await (api.store.repository as! PostgresStore).close()
        try await api.run(failuresPerAddress: 3) { client in
            for _ in 1...6 {
                let answer = try await client.call(.post, "/verify", json: #"{"upn":"helga@contoso.com","code":"000000"}"#, headers: verifier)
                #expect(answer.status == .serviceUnavailable && answer.headers[.retryAfter] != nil)
            }
        }
    }

    /// Refused sign-in checks for one user, from anywhere, are throttled per user; another user is not.
    @Test(arguments: Backend.all) func oneUsersRefusedSignInsAreThrottled(backend: Backend) async throws {
        let api = try await APIFixture(backend)
        let verifier = bearer(api.keys[.verifier]!)
        try await api.run(refusalsPerUser: 2) { client in
            for _ in 1...2 {
                let refused = try await client.call(.post, "/verify", json: #"{"upn":"helga@contoso.com","code":"000000"}"#, headers: verifier)
                #expect(refused.status == .ok && refused.text.contains("wrong_code"))
            }
            let throttled = try await client.call(.post, "/verify", json: #"{"upn":"HELGA@contoso.com","code":"000000"}"#, headers: verifier)
            #expect(throttled.status == .tooManyRequests && throttled.headers[.retryAfter] != nil)
            let other = try await client.call(.post, "/verify", json: #"{"upn":"olaf@contoso.com","code":"000000"}"#, headers: verifier)
            #expect(other.status == .ok)
        }
    }

    /// `X-Forwarded-For` names the client only when the trusted proxy sends it (its last address).
    @Test func theTrustedProxyNamesTheClientAndNobodyElseDoes() async throws {
        for proxy in [nil, "unknown"] as [String?] {  // in process the socket's address is "unknown"
            let api = try await APIFixture(.sqlite)
            let admin = bearer(api.keys[.admin]!)
            try await api.run(trustedProxy: proxy) { (client: any TestClientProtocol) async throws in
                var headers = admin
                headers[HTTPField.Name("X-Forwarded-For")!] = "203.0.113.7, 198.51.100.9"
                #expect(try await client.call(.put, "/policy/lockout.threshold", json: #"{"value":9}"#, headers: headers).status == .ok)
            }
            let entry = try await api.store.auditTrail().last
            #expect(entry?.action == "policy.set" && entry?.client == (proxy == nil ? "unknown" : "198.51.100.9"))
        }
    }
}
