import Foundation
import Hummingbird
import TokenDomain
import TokenService

extension APIServer {
    /// Tokens and users: what the helpdesk works with, and the applications' sign-in check.
    func addTokenRoutes(_ api: RouterGroup<APIContext>) {
        api.get("tokens") { request, context -> TokenPage in
            _ = try context.require(.readTokens)
            let query = request.uri.queryParameters
            let limit = min(max(Int(query.get("limit") ?? "") ?? 100, 1), 1_000)
            let status = try query.get("status").map { text in
                guard let status = TokenStatus(rawValue: text) else {
                    throw APIError(.badRequest, code: "status_invalid", message: "status must be available, assigned, activated or failedActivation")
                }
                return status
            }
            var tokens = try await call {
                try await service.tokens(matching: TokenFilter(user: query.get("upn"), status: status, serial: query.get("serial")))
            }
            if let after = query.get("after") { tokens = Array(tokens.drop { $0.serial <= after }) }
            let page = Array(tokens.prefix(limit))
            return TokenPage(tokens: page, next: tokens.count > limit ? page.last?.serial : nil)
        }
        api.get("tokens/:serial") { _, context -> Token in
            _ = try context.require(.readTokens)
            let serial = try context.parameters.require("serial")
            return try await call { try await service.token(serial: serial) }
        }
        api.get("users/:upn") { _, context -> UserView in
            _ = try context.require(.readTokens)
            let upn = try context.parameters.require("upn")
            if let problem = UPN.problem(in: upn) { throw APIError(StoreError.invalidUser(problem)) }
            let tokens = try await call { try await service.tokens(matching: TokenFilter(user: upn)) }
            let apps = try await call { try await service.apps(user: upn) }
            return UserView(upn: upn, tokens: tokens, apps: apps, slotsLeft: max(0, MethodLimit.perUser - tokens.count - apps.count))
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
            if let wait = await signInThrottle.retryAfter(user) { throw APIError.throttled(wait) }
            let outcome = try await call { try await service.verifySignIn(upn: body.upn, code: body.code, context: context.service(caller)) }
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
