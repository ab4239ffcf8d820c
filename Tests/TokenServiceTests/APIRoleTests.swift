import Foundation
import Hummingbird
import HummingbirdTesting
import OATHCore
import Testing
import TokenDomain

/// Every route of the API under every role, as one table: the role allows it (any answer but 401
/// and 403) or it does not (403); no credentials is 401. The server decides, not the page.
@Suite struct APIRoleTests {
    /// Each route, a body that parses, and the permission it needs.
    static let routes: [(HTTPRequest.Method, String, String?, Permission)] = [
        (.get, "/tokens", nil, .readTokens),
        (.get, "/tokens/R1", nil, .readTokens),
        (.get, "/users/helga@contoso.com", nil, .readTokens),
        (.post, "/tokens/R2/assign", #"{"upn":"olaf@contoso.com"}"#, .assign),
        (.post, "/tokens/R2/unassign", nil, .assign),
        (.post, "/tokens/R1/activate", #"{"code":"000000"}"#, .activate),
        (.post, "/tokens/R1/verify", #"{"code":"000000"}"#, .activate),
        (.post, "/tokens/R1/resync", #"{"code1":"000000","code2":"000001"}"#, .activate),
        (.post, "/tokens/R1/unlock", nil, .unlock),
        (.delete, "/tokens/R3", nil, .deleteTokens),
        (.post, "/verify", #"{"upn":"helga@contoso.com","code":"000000"}"#, .verifySignIn),
        (.post, "/find", #"{"code":"000000"}"#, .findByCode),
        (.get, "/audit", nil, .readAudit),
        (.get, "/audit?serial=R1", nil, .readTokenAudit),
        (.get, "/batches", nil, .readAudit),
        (.get, "/policy", nil, .readAudit),
        (.put, "/policy/lockout.threshold", #"{"value":9}"#, .changePolicy),
        (.get, "/operators", nil, .manageOperators),
        (.post, "/operators", #"{"name":"newcomer","role":"auditor","apiKey":true}"#, .manageOperators),
        (.post, "/operators/auditor-person/disable", nil, .manageOperators),
        (.post, "/operators/auditor-person/enable", nil, .manageOperators),
        (.post, "/validate", "upn,serial number,secret key,time interval,manufacturer,model\n", .importTokens),
        (.post, "/imports", "upn,serial number,secret key,time interval,manufacturer,model\n", .importTokens),
        (.get, "/imports/1/report", nil, .readAudit),
        (.get, "/metrics", nil, .readMetrics),
    ]

    @Test(arguments: Backend.all) func everyRouteUnderEveryRole(backend: Backend) async throws {
        let api = try await APIFixture(backend)
        try await api.store.importText(ServiceFixture.file([("helga@contoso.com", "R1", ServiceFixture.secret()),
                                                            ("", "R2", ServiceFixture.secret()), ("", "R3", ServiceFixture.secret())]))
        try await api.run { client in
            for (method, path, json, permission) in Self.routes {
                let anonymous = try await client.call(method, path, json: json)
                #expect(anonymous.status == .unauthorized, "\(method) \(path) without credentials: \(anonymous.status)")
                for role in Role.allCases {
                    let response = try await client.call(method, path, json: json, headers: bearer(api.keys[role]!))
                    if role.allows(permission) {
                        #expect(response.status != .forbidden && response.status != .unauthorized,
                                "\(role) \(method) \(path): \(response.status) \(response.text)")
                    } else {
                        #expect(response.status == .forbidden, "\(role) \(method) \(path): \(response.status)")
                        #expect((response.json as? [String: [String: String]])?["error"]?["code"] == "forbidden")
                    }
                }
            }
            // Open to all: the health check.
            #expect(try await client.call(.get, "/healthz").status == .ok)
        }
    }

    /// No route, whoever asks, returns a seed.
    @Test(arguments: Backend.all) func noAnswerHoldsASeed(backend: Backend) async throws {
        let api = try await APIFixture(backend)
        let seed = ServiceFixture.secret()
        try await api.store.importText(ServiceFixture.file([("helga@contoso.com", "R1", seed)]))
        let raw = try Base32.decode(seed)
        try await api.run { client in
            for (method, path, json, _) in Self.routes where method == .get {
                let answer = try await client.call(method, path, json: json, headers: bearer(api.keys[.admin]!)).text
                for needle in [seed, seed.lowercased(), Hex.encode(raw)] { #expect(!answer.contains(needle.prefix(12)), "\(path)") }
            }
        }
    }
}

/// The contract names every route the server has (schemathesis, in `make test`, holds the answers to it).
@Suite struct OpenAPIDocumentTests {
    @Test func everyRouteIsInTheDocument() async throws {
        let api = try await APIFixture(.sqlite)
        try await api.run { client in
            let response = try await client.call(.get, "/openapi.yaml")
            #expect(response.status == .ok && response.headers[.contentType] == "application/yaml")
            let document = response.text
            #expect(document.hasPrefix("openapi: 3.1.0"))
            var paths = Set(APIRoleTests.routes.map { route in
                route.1.split(separator: "?")[0].replacingOccurrences(of: "/tokens/R1", with: "/tokens/{serial}")
                    .replacingOccurrences(of: "/tokens/R2", with: "/tokens/{serial}").replacingOccurrences(of: "/tokens/R3", with: "/tokens/{serial}")
                    .replacingOccurrences(of: "/users/helga@contoso.com", with: "/users/{upn}")
                    .replacingOccurrences(of: "/policy/lockout.threshold", with: "/policy/{key}")
                    .replacingOccurrences(of: "/operators/auditor-person", with: "/operators/{name}")
                    .replacingOccurrences(of: "/imports/1/report", with: "/imports/{batch}/report")
            })
            paths.formUnion(["/session", "/healthz", "/openapi.yaml", "/operators/{name}"])
            for path in paths { #expect(document.contains("\n  \(path):\n"), "\(path) is not in openapi.yaml") }
        }
    }
}
