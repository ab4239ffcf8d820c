import Foundation
import FuzzSupport
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import OATHServer
import SecretSealing
import TokenService
import TokenStore
import TokenDomain

/// The API's request decoding and upload path, in process: any bytes become one request to one
/// route (its JSON body, or a token file and the upload's query), sent with a key that may call it.
///
/// Byte 0 picks the route, byte 1 the content type; the rest is the body, and for an upload the
/// part before the first NUL is its query string. Every answer must be a success or a JSON error
/// with a code (never a 500, never a hang), and no answer may hold an API key.
///
/// The server (an SQLite store in a temporary folder with one token and one key per role) is made
/// once and kept: a test client in a task of its own takes one input at a time.
func apiTarget(_ bytes: [UInt8]) {
    let done = DispatchSemaphore(value: 0)
    Harness.shared.inputs.yield((bytes, done))
    done.wait()
}

private struct Route {
    let method: HTTPRequest.Method
    let path: String
    let role: Role?
    var upload = false
}

private let routes: [Route] = [
    Route(method: .post, path: "/session", role: nil),
    Route(method: .post, path: "/verify", role: .verifier),
    Route(method: .post, path: "/tokens/F1/activate", role: .helpdesk),
    Route(method: .post, path: "/tokens/F1/resync", role: .helpdesk),
    Route(method: .post, path: "/tokens/F1/assign", role: .helpdesk),
    Route(method: .post, path: "/find", role: .helpdesk),
    Route(method: .put, path: "/policy/lockout.threshold", role: .admin),
    Route(method: .post, path: "/operators", role: .admin),
    Route(method: .post, path: "/validate", role: .admin, upload: true),
    Route(method: .post, path: "/imports", role: .admin, upload: true),
]

private let contentTypes = ["application/json", "text/csv", "application/xml", "application/octet-stream"]

private final class Harness: Sendable {
    static let shared = Harness()
    let inputs: AsyncStream<([UInt8], DispatchSemaphore)>.Continuation

    private init() {
        let (stream, continuation) = AsyncStream<([UInt8], DispatchSemaphore)>.makeStream()
        inputs = continuation
        let ready = DispatchSemaphore(value: 0)
        Task {
            do {
                let (server, keys) = try await Self.makeServer()
                ready.signal()
                try await Application(router: server.router()).test(.router) { client in
                    for await (bytes, done) in stream {
                        await Self.exercise(client, bytes, keys: keys)
                        done.signal()
                    }
                }
            } catch {
                fatalError("fuzz-api: the server could not be made: \(error)")
            }
        }
        ready.wait()
    }

    private static func makeServer() async throws -> (APIServer, [Role: String]) {
        // In memory where there is a tmpfs: every input commits, and a synced disk would make the run crawl.
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? URL(fileURLWithPath: "/dev/shm") : FileManager.default.temporaryDirectory
        let folder = base.appendingPathComponent("oathctl-fuzz-api-\(getpid())")
        try? FileManager.default.removeItem(at: folder)
        let vault = Vault(key: .forTesting((0..<32).map { UInt8($0) }))
        let store = try TokenStore.create(path: folder.appendingPathComponent("tokens.sqlite").path, vault: vault, entry: nil)
        let service = TokenService(repository: store, vault: vault, clock: { Int64(Date().timeIntervalSince1970) },
                                   logger: Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() }), passwordIterations: 1_000)
        let context = OperationContext(actor: "fuzz", requestId: "fuzz")
        var keys: [Role: String] = [:]
        for role in Role.allCases {
            keys[role] = APIKey.generate()
            try await service.addOperator(name: "fuzz-\(role.rawValue)", role: role, credential: .apiKey(keys[role]!), context: context)
        }
        let file = folder.appendingPathComponent("token.csv")
        try Data("upn,serial number,secret key,time interval,manufacturer,model\nfuzz@contoso.com,F1,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,30,C,K\n".utf8)
            .write(to: file)
        _ = try await service.importTokens(.csv(path: file.path), options: .init(fileName: "token.csv", sha256: "-", atomic: false, report: nil),
                                           handlers: .init { _ in }, context: context)
        return (APIServer(service: service, tls: false, maxUploadMB: 1), keys)
    }

    private static func exercise(_ client: any TestClientProtocol, _ bytes: [UInt8], keys: [Role: String]) async {
        guard bytes.count >= 2 else { return }
        let route = routes[Int(bytes[0]) % routes.count]
        var headers: HTTPFields = [.contentType: contentTypes[Int(bytes[1]) % contentTypes.count]]
        if let role = route.role { headers[.authorization] = "Bearer " + keys[role]! }
        var body = bytes[2...]
        var uri = "/api/v1" + route.path
        if route.upload, let cut = body.firstIndex(of: 0) {
            let query = String(decoding: body[..<cut], as: UTF8.self).addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? ""
            uri += "?" + query
            body = body[(cut + 1)...]
        }
        guard let answer = try? await client.execute(uri: uri, method: route.method, headers: headers, body: ByteBuffer(bytes: body)) else {
            preconditionFailure("the server threw instead of answering \(route.method) \(route.path)")
        }
        let text = String(decoding: answer.body.readableBytesView, as: UTF8.self)
        precondition(answer.status.code < 500 || [503, 507].contains(answer.status.code), "\(answer.status) on \(route.path): \(text)")
        if answer.status.code >= 400 {
            let json = try? JSONSerialization.jsonObject(with: Data(answer.body.readableBytesView)) as? [String: Any]
            precondition((json?["error"] as? [String: Any])?["code"] is String, "\(answer.status) without an error code on \(route.path): \(text)")
        }
        for key in keys.values { precondition(!text.contains(key), "an API key in the answer of \(route.path)") }
    }
}

@main
enum Main {
    static func main() {
        fuzzMain { data, size in
            apiTarget(bytes(data, size))
            return 0
        }
    }
}
