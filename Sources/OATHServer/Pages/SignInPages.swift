import Foundation
import Hummingbird
import TokenDomain
import TokenService

extension APIServer {
    /// `GET /login` and `POST /login`: a person signs in and goes back where they were.
    func addSignInPages(_ pages: RouterGroup<APIContext>) {
        pages.get("login") { request, context -> Response in
            Self.signInPage(context: context, next: Self.localPath(request.uri.queryParameters.get("next")))
        }
        pages.post("login") { request, context -> Response in
            try PageSession.checkOrigin(request)
            let form = FormFields(String(buffer: try await request.body.collect(upTo: context.maxUploadSize)))
            let next = Self.localPath(form["next"])
            if let wait = await throttle.retryAfter(context.client) {
                return Self.signInPage(context: context, next: next, status: .tooManyRequests,
                                       message: "Too many failed sign-ins from this address; try again in \(wait) s.")
            }
            let started: SessionStart
            do {
                started = try await service.startSession(name: form["name"] ?? "", password: Array((form["password"] ?? "").utf8),
                                                         context: OperationContext(actor: "(login)", requestId: context.requestId,
                                                                                   client: context.client))
            } catch StoreError.loginRefused {
                await throttle.recordFailure(context.client)
                return Self.signInPage(context: context, next: next, status: .unauthorized, message: StoreError.loginRefused.description)
            } catch let error as StoreError {
                throw APIError(error)
            }
            var response = Layout.redirect(next)
            response.setCookie(Cookie(name: Authentication.cookieName, value: started.id, path: "/", secure: tls, httpOnly: true,
                                      sameSite: .strict))
            return response
        }
    }

    /// `POST /logout`: ends the session and forgets the cookie.
    func addSignOut(_ pages: RouterGroup<APIContext>) {
        pages.post("logout") { request, context -> Response in
            if let id = request.cookies[Authentication.cookieName]?.value, let caller = context.caller {
                try await call { try await service.endSession(id: id, context: context.service(caller)) }
            }
            var response = Layout.redirect("/login")
            response.setCookie(Cookie(name: Authentication.cookieName, value: "", maxAge: 0, path: "/", secure: tls, httpOnly: true,
                                      sameSite: .strict))
            return response
        }
    }

    private static func signInPage(context: APIContext, next: String, status: HTTPResponse.Status = .ok, message: String? = nil) -> Response {
        let form: HTML = """
            <form method="post" action="/login">
            <input type="hidden" name="next" value="\(next)">
            <label for="name">Name</label><input type="text" id="name" name="name" autocomplete="username" required autofocus>
            <label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
            <button id="sign-in">Sign in</button></form>
            """
        return Layout(title: "Sign in", context: context).response(form, status: status, result: message.map { .init(kind: .bad, text: $0) })
    }

    /// Where to go after signing in: a path on this site only (never `//elsewhere` or a URL).
    static func localPath(_ text: String?) -> String {
        guard let text, text.hasPrefix("/"), !text.hasPrefix("//"), !text.contains("\\"),
              !text.unicodeScalars.contains(where: { $0.value < 0x20 }) else { return "/" }
        return text
    }
}
