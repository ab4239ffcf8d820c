import Foundation
import Hummingbird
import Logging
import TokenDomain
import TokenService

/// The HTTP API over the service, under `/api/v1`. Every route states the permission it needs; the
/// role table (`Role.allows`) decides. No route returns a seed.
public struct APIServer: Sendable {
    let service: TokenService
    /// True when served over TLS: cookies are `Secure` and responses carry HSTS.
    let tls: Bool
    /// Failed logins and bad keys per client address (429 past the limit).
    let throttle: FailureThrottle
    /// Refused sign-in checks per user (429 past the limit).
    let signInThrottle: FailureThrottle
    /// The proxy whose `X-Forwarded-For` names the client (with `--insecure-http` behind it).
    let trustedProxy: String?
    /// The largest token file `POST /validate` and `POST /imports` take (`--max-upload-mb`).
    let maxUploadBytes: Int
    /// Requests, latencies and sign-in outcomes (`GET /metrics`).
    let metrics = ServerMetrics()

    public static let defaultMaxUploadMB = 200

    public init(service: TokenService, tls: Bool, trustedProxy: String? = nil, maxUploadMB: Int = defaultMaxUploadMB) {
        self.init(service: service, tls: tls, trustedProxy: trustedProxy, maxUploadMB: maxUploadMB, throttle: FailureThrottle(),
                  signInThrottle: FailureThrottle(limit: 30))
    }

    init(service: TokenService, tls: Bool, trustedProxy: String? = nil, maxUploadMB: Int = defaultMaxUploadMB, throttle: FailureThrottle,
         signInThrottle: FailureThrottle) {
        self.service = service
        self.tls = tls
        self.trustedProxy = trustedProxy
        maxUploadBytes = maxUploadMB << 20
        self.throttle = throttle
        self.signInThrottle = signInThrottle
    }

    public func router() -> Router<APIContext> {
        let router = Router(context: APIContext.self)
        router.add(middleware: RequestMetrics(metrics: metrics))
        router.add(middleware: ResponseHeaders(tls: tls))
        router.add(middleware: ClientAddress(trustedProxy: trustedProxy))
        let api = router.group("api/v1")
        addOpenRoutes(api)
        // Everything else needs an operator: the routes of this group run after `Authentication`.
        let authenticated = api.group().add(middleware: Authentication(service: service, throttle: throttle))
        addLogoutRoute(authenticated)
        addTokenRoutes(authenticated)
        addAdminRoutes(authenticated)
        addUploadRoutes(authenticated)
        addMetricsRoute(authenticated)
        addPages(router)
        return router
    }

    /// The routes that need no operator: logging in (a stale cookie sent along cannot get in its
    /// way), the contract and the health check.
    private func addOpenRoutes(_ api: RouterGroup<APIContext>) {
        addLoginRoute(api)
        // Open to all: the contract (OpenAPI 3.1), as in the repository.
        api.get("openapi.yaml") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "application/yaml"],
                     body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_yaml)))
        }
        // Open to all: a load balancer asks it whether the store answers.
        api.get("healthz") { _, _ -> Health in
            do { _ = try await service.policy() } catch {
                throw APIError(.serviceUnavailable, code: "store_unavailable", message: "the store does not answer")
            }
            return Health(status: "ok")
        }
    }

    /// `GET /metrics`: for admins and auditors, or a scrape from this machine without credentials
    /// (Prometheus beside the server). Behind a proxy the client is the one `--trusted-proxy` names.
    private func addMetricsRoute(_ api: RouterGroup<APIContext>) {
        api.get("metrics") { _, context -> Response in
            if context.caller != nil || !ServerSettings.isLoopback(context.client) { _ = try context.require(.readMetrics) }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: metrics.text())))
        }
    }

    /// Runs a service call, turning its refusals into API errors (the one mapping, `APIError.init`).
    func call<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as StoreError { throw APIError(error) }
    }
}
