import Foundation
import Hummingbird
import Prometheus

/// The server's metrics, in Prometheus text (swift-prometheus): requests by route, method and
/// status; their latency by route; sign-in checks by outcome. One registry per server, no global
/// bootstrap. Labels are route templates and fixed words: never a serial, user, code or key.
final class ServerMetrics: Sendable {
    private let registry = PrometheusCollectorRegistry()
    private static let buckets: [Duration] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000]
        .map { Duration.microseconds(Int64($0 * 1_000)) }

    /// One request answered.
    func request(route: String, method: HTTPRequest.Method, status: HTTPResponse.Status, elapsed: Duration) {
        let labels = [("route", route), ("method", method.rawValue), ("status", String(status.code))]
        registry.makeCounter(descriptor: Self.requests, labels: labels).increment()
        registry.makeDurationHistogram(descriptor: Self.latency, labels: [("route", route)], buckets: Self.buckets).record(elapsed)
    }

    /// One sign-in check's outcome: `accepted`, a refusal's reason, or `throttled`.
    func signIn(_ outcome: String) {
        registry.makeCounter(descriptor: Self.signIns, labels: [("outcome", outcome)]).increment()
    }

    /// The exposition text.
    func text() -> [UInt8] { registry.emitToBuffer() }

    // Computed: the descriptor type is not Sendable, so it cannot be a stored static.
    private static var requests: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "oathctl", metricName: "http_requests", unitName: "total",
                             helpText: "HTTP requests answered, by route template, method and status.")
    }
    private static var latency: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "oathctl", metricName: "http_request_duration", unitName: "seconds",
                             helpText: "Time to answer a request, by route template.")
    }
    private static var signIns: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "oathctl", metricName: "sign_in_checks", unitName: "total",
                             helpText: "POST /verify outcomes: accepted, wrong_code, code_reused, token_locked, code_malformed, throttled.")
    }
}

/// Counts and times every request that reached a route, under its route template.
struct RequestMetrics<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let route = context.endpointPath ?? "unknown"
        do {
            let response = try await next(request, context)
            metrics.request(route: route, method: request.method, status: response.status, elapsed: .now - started)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            metrics.request(route: route, method: request.method, status: status, elapsed: .now - started)
            throw error
        }
    }
}
