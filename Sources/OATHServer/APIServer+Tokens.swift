import Foundation
import Hummingbird
import TokenDomain
import TokenService

extension APIServer {
    /// Tokens and users: what the helpdesk works with, and the applications' sign-in check.
    func addTokenRoutes(_ api: RouterGroup<APIContext>) {
        api.get("tokens") { request, context -> TokenPageResponse in
            _ = try context.require(.readTokens)
            let query = request.uri.queryParameters
            let limit = min(max(Int(query.get("limit") ?? "") ?? 100, 1), 1_000)
            let after = try query.get("after").map { text in
                guard let cursor = Int64(text), cursor > 0 else {
                    throw APIError(.badRequest, code: "cursor_invalid", message: "after takes the next of the previous page")
                }
                return cursor
            }
            let status = try query.get("status").map { text in
                guard let status = TokenStatus(rawValue: text) else {
                    throw APIError(.badRequest, code: "status_invalid", message: "status must be available, assigned, activated or failedActivation")
                }
                return status
            }
            let page = try await call {
                try await service.tokenPage(matching: TokenFilter(user: query.get("upn"), status: status, serial: query.get("serial")),
                                            limit: limit, before: after)
            }
            return TokenPageResponse(tokens: page.tokens, next: page.next.map(String.init))
        }
        api.get("tokens/:serial") { _, context -> Token in
            _ = try context.require(.readTokens)
            let serial = try context.parameters.require("serial")
            return try await call { try await service.token(serial: serial) }
        }
        api.get("users/:upn") { _, context -> UserMethods in
            _ = try context.require(.readTokens)
            let upn = try context.parameters.require("upn")
            return try await call { try await service.methods(of: upn) }
        }
        api.post("tokens/:serial/assign") { request, context -> Token in
            let caller = try context.require(.assign)
            let serial = try context.parameters.require("serial")
            let body = try await request.decode(as: UPNRequest.self, context: context)
            return try await call {
                try await service.assign(serial: serial, to: body.upn, context: context.service(caller))
                return try await service.token(serial: serial)
            }
        }
        api.post("tokens/:serial/unassign") { _, context -> Token in
            let caller = try context.require(.assign)
            let serial = try context.parameters.require("serial")
            return try await call {
                try await service.unassign(serial: serial, context: context.service(caller))
                return try await service.token(serial: serial)
            }
        }
        api.post("tokens/:serial/activate") { request, context -> CheckOutcome in
            let caller = try context.require(.activate)
            let serial = try context.parameters.require("serial")
            let body = try await request.decode(as: CodeRequest.self, context: context)
            return try await call { try await service.activate(serial: serial, code: body.code, user: body.upn, context: context.service(caller)) }
        }
        api.post("tokens/:serial/verify") { request, context -> CheckOutcome in
            let caller = try context.require(.activate)
            let serial = try context.parameters.require("serial")
            let body = try await request.decode(as: CodeRequest.self, context: context)
            return try await call { try await service.verify(serial: serial, code: body.code, context: context.service(caller)) }
        }
        api.post("tokens/:serial/resync") { request, context -> CheckOutcome in
            let caller = try context.require(.activate)
            let serial = try context.parameters.require("serial")
            let body = try await request.decode(as: ResyncRequest.self, context: context)
            return try await call {
                try await service.resync(serial: serial, first: body.code1, second: body.code2, context: context.service(caller))
            }
        }
        api.post("tokens/:serial/unlock") { _, context -> Token in
            let caller = try context.require(.unlock)
            let serial = try context.parameters.require("serial")
            return try await call {
                try await service.unlock(serial: serial, context: context.service(caller))
                return try await service.token(serial: serial)
            }
        }
        api.delete("tokens/:serial") { request, context -> Response in
            let caller = try context.require(.deleteTokens)
            let serial = try context.parameters.require("serial")
            let force = request.uri.queryParameters.get("force") == "true"
            try await call { try await service.delete(serial: serial, force: force, context: context.service(caller)) }
            return Response(status: .noContent)
        }
        api.post("verify") { request, context -> SignInOutcome in
            let caller = try context.require(.verifySignIn)
            let body = try await request.decode(as: SignInRequest.self, context: context)
            // Per user, so guessing one user's codes from many addresses is slowed too.
            let user = "user:" + UPN.key(body.upn)
            if let wait = await signInThrottle.retryAfter(user) {
                metrics.signIn("throttled")
                throw APIError.throttled(wait)
            }
            let outcome = try await call { try await service.verifySignIn(upn: body.upn, code: body.code, context: context.service(caller)) }
            metrics.signIn(outcome.reason?.rawValue ?? "accepted")
            if !outcome.accepted { await signInThrottle.recordFailure(user) }
            return outcome
        }
        api.post("find") { request, context -> [FoundToken] in
            let caller = try context.require(.findByCode)
            let body = try await request.decode(as: CodeRequest.self, context: context)
            return try await call { try await service.find(code: body.code, user: body.upn, context: context.service(caller)) }
        }
    }
}
