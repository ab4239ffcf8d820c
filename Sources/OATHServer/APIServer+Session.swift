import Foundation
import Hummingbird
import TokenDomain
import TokenService

extension APIServer {
    /// `POST /session`: log in, for a cookie and a CSRF token.
    func addLoginRoute(_ api: RouterGroup<APIContext>) {
        api.post("session") { request, context -> Response in
            let login = try await request.decode(as: LoginRequest.self, context: context)
            if let wait = await throttle.retryAfter(context.client) { throw APIError.throttled(wait) }
            let started: SessionStart
            do {
                started = try await call {
                    try await service.startSession(name: login.name, password: Array(login.password.utf8),
                                                   context: OperationContext(actor: "(login)", requestId: context.requestId, client: context.client))
                }
            } catch let error as APIError where error.status == .unauthorized {
                await throttle.recordFailure(context.client)
                throw error
            }
            var response = try LoginResponse(name: started.account.name, role: started.account.role, csrfToken: started.csrfToken)
                .response(from: request, context: context)
            response.setCookie(Cookie(name: Authentication.cookieName, value: started.id, path: "/", secure: tls, httpOnly: true,
                                      sameSite: .strict))
            return response
        }
    }

    /// `DELETE /session`: log out.
    func addLogoutRoute(_ api: RouterGroup<APIContext>) {
        api.delete("session") { request, context -> Response in
            guard let id = request.cookies[Authentication.cookieName]?.value, context.caller?.session != nil else {
                throw APIError.unauthorized
            }
            try await call { try await service.endSession(id: id, context: context.service(context.caller!)) }
            var response = Response(status: .noContent)
            response.setCookie(Cookie(name: Authentication.cookieName, value: "", maxAge: 0, path: "/", secure: tls, httpOnly: true,
                                      sameSite: .strict))
            return response
        }
    }
}
