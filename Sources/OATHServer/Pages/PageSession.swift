import Foundation
import HTTPTypes
import Hummingbird
import TokenDomain
import TokenService

/// Authenticates the pages: the session cookie, or a redirect to the sign-in page that comes back
/// here afterwards. A POST must come from this site (`Origin`) and carry the session's CSRF token
/// in its `csrf` field; its form (at most 64 KiB) is read here into `context.form`.
struct PageSession: RouterMiddleware {
    let service: TokenService

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        var context = context
        if request.method == .post {
            try Self.checkOrigin(request)
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            context.form = FormFields(String(buffer: body))
        }
        guard let id = request.cookies[Authentication.cookieName]?.value else { return Self.toSignIn(request) }
        let holder: SessionHolder
        do {
            holder = try await service.session(id: id, context: OperationContext(actor: "(session)", requestId: context.requestId))
        } catch StoreError.loginRefused {
            return Self.toSignIn(request)
        } catch let error as StoreError {
            throw APIError(error)
        }
        context.caller = Caller(account: holder.account, session: holder)
        context.csrfToken = TokenService.csrfToken(sessionId: id)
        if request.method == .post, !holder.acceptsCSRF(context.form["csrf"]) {
            throw APIError(.forbidden, code: "csrf_missing", message: "this form is stale or did not come from this site; open the page again and retry")
        }
        return try await next(request, context)
    }

    /// A POST that the browser says came from another site (`Sec-Fetch-Site`), or whose `Origin`
    /// names another site, is refused: a second guard beside the CSRF token, and the only one for
    /// the sign-in form. (Under `Referrer-Policy: no-referrer` a browser sends `Origin: null` even
    /// for this site's own forms, so `null` tells nothing.)
    static func checkOrigin(_ request: Request) throws {
        if let site = request.headers[Self.fetchSite], site == "cross-site" || site == "same-site" { throw Self.crossSite }
        guard let origin = request.headers[.origin], origin != "null", let host = request.head.authority else { return }
        guard let url = URL(string: origin), let originHost = url.host else { throw Self.crossSite }
        let originAuthority = url.port.map { "\(originHost):\($0)" } ?? originHost
        if originAuthority != host && originHost != host { throw Self.crossSite }
    }

    private static let fetchSite = HTTPField.Name("Sec-Fetch-Site")!
    private static let crossSite = APIError(.forbidden, code: "cross_site", message: "a form from another site was refused")

    /// 303 to the sign-in page, which returns to this page (a GET) or the home page.
    static func toSignIn(_ request: Request) -> Response {
        let back = request.method == .get ? request.uri.description : "/"
        var components = URLComponents()
        components.path = "/login"
        components.queryItems = [URLQueryItem(name: "next", value: back)]
        return Response(status: .seeOther, headers: [.location: components.string ?? "/login"])
    }
}
