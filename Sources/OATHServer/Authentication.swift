import HTTPTypes
import Hummingbird
import TokenDomain
import TokenService

/// Authenticates every request to a route that needs an operator (all but login, health and the
/// contract, which `APIServer` keeps outside this middleware): `Authorization: Bearer KEY` (a
/// program) or the session cookie (a person; every request that changes something must also carry
/// the session's CSRF token in `X-CSRF-Token`). A request with neither goes on without a caller,
/// and each route then demands the permission it needs (`APIContext.require`).
struct Authentication: RouterMiddleware {
    let service: TokenService
    let throttle: FailureThrottle

    static let cookieName = "oathctl_session"
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        var context = context
        if let authorization = request.headers[.authorization] {
            guard authorization.hasPrefix("Bearer ") else { throw APIError.unauthorized }
            if let wait = await throttle.retryAfter(context.client) { throw APIError.throttled(wait) }
            let account: Operator
            do {
                account = try await authenticated { try await service.authenticate(apiKey: String(authorization.dropFirst(7))) }
            } catch let error as APIError where error.status == .unauthorized {
                // Only a refused key counts: a store that does not answer (503) is not the client's failure.
                await throttle.recordFailure(context.client)
                throw error
            }
            context.caller = Caller(account: account, session: nil)
        } else if let id = request.cookies[Self.cookieName]?.value {
            let holder = try await authenticated {
                try await service.session(id: id, context: OperationContext(actor: "(session)", requestId: context.requestId))
            }
            if request.method != .get, request.method != .head, !holder.acceptsCSRF(request.headers[Self.csrfHeader]) {
                throw APIError.csrf
            }
            context.caller = Caller(account: holder.account, session: holder)
        }
        return try await next(request, context)
    }

    private func authenticated<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch StoreError.loginRefused {
            throw APIError.unauthorized
        } catch let error as StoreError {
            throw APIError(error)  // the store does not answer: 503, not a refusal
        }
    }
}
