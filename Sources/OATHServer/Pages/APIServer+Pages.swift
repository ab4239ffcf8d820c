import Foundation
import Hummingbird
import TokenDomain
import TokenService

extension APIServer {
    /// The web page at `/`, over the same service and role table as the API: sign-in, the
    /// helpdesk's search, user page and token card, and the admin's and auditor's sections.
    func addPages(_ router: Router<APIContext>) {
        addStaticFiles(router)
        let open = router.group().add(middleware: PageErrors())
        addSignInPages(open)
        // PageErrors twice: outside the session for its own refusals (a stale form), inside it so
        // that a page's error page still shows who is signed in and carries the CSRF token.
        let pages = router.group().add(middleware: PageErrors()).add(middleware: PageSession(service: service)).add(middleware: PageErrors())
        addSignOut(pages)
        addHelpdeskPages(pages)
        addTokenActions(pages)
        addAdminPages(pages)
        addAuditPages(pages)
    }

    /// The stylesheet and script, compiled into the binary: nothing is fetched from elsewhere.
    private func addStaticFiles(_ router: Router<APIContext>) {
        for (name, type, bytes) in [("app.css", "text/css; charset=utf-8", PackageResources.app_css),
                                    ("app.js", "text/javascript; charset=utf-8", PackageResources.app_js)] {
            router.get("static/\(name)") { _, _ -> Response in
                Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            }
        }
    }
}
