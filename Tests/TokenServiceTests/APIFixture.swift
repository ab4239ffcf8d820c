import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
@testable import OATHServer
import SecretSealing
import TokenDomain
import TokenService

/// The API in process over a fixture's store, with one operator per role (a person and a key each).
struct APIFixture {
    let store: ServiceFixture
    /// Each role's API key.
    let keys: [Role: String]
    static let password = "a long enough password"

    init(_ backend: Backend) async throws {
        store = try await ServiceFixture(backend)
        var keys: [Role: String] = [:]
        for role in Role.allCases {
            try await store.service.addOperator(name: "\(role.rawValue)-person", role: role, credential: .password(Array(Self.password.utf8)),
                                                context: store.context)
            let key = APIKey.generate()
            try await store.service.addOperator(name: "\(role.rawValue)-program", role: role, credential: .apiKey(key), context: store.context)
            keys[role] = key
        }
        self.keys = keys
    }

    /// Runs `body` against the router in process.
    /// - Parameter service: the store's service with other settings (its lanes), instead of the fixture's.
    func run(failuresPerAddress: Int = 20, refusalsPerUser: Int = 30, trustedProxy: String? = nil, maxUploadMB: Int = 200,
             service: TokenService? = nil, _ body: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let server = APIServer(service: service ?? store.service, tls: false, trustedProxy: trustedProxy, maxUploadMB: maxUploadMB,
                               throttle: FailureThrottle(limit: failuresPerAddress, window: 300),
                               signInThrottle: FailureThrottle(limit: refusalsPerUser, window: 300))
        let app = Application(router: server.router())
        try await app.test(.router) { client in try await body(client) }
    }
}

extension TestClientProtocol {
    /// A JSON request, with the headers given.
    @discardableResult
    func call(_ method: HTTPRequest.Method, _ path: String, json: String? = nil, headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        if json != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: "/api/v1" + path, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) })
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var json: Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) }
}

func bearer(_ key: String) -> HTTPFields { [.authorization: "Bearer \(key)"] }
