import Foundation
import Hummingbird
import TokenDomain
import TokenService

extension APIServer {
    /// The helpdesk's pages: one search box (a user, a serial or a code), the user page and the token card.
    func addHelpdeskPages(_ pages: RouterGroup<APIContext>) {
        pages.get("/") { _, context -> Response in
            _ = try context.require(.readTokens)
            return Layout(title: "Search", context: context).response(Self.searchForm(context))
        }
        // A POST, so that a code typed here never appears in a URL (history, proxies, logs).
        pages.post("search") { _, context -> Response in
            let caller = try context.require(.readTokens)
            let query = context.form.text("q") ?? ""
            let layout = Layout(title: "Search", context: context)
            if query.contains("@") { return Layout.redirect("/users/\(Layout.segment(query))") }
            if !query.isEmpty, try await tokenExists(serial: query) { return Layout.redirect("/tokens/\(Layout.segment(query))") }
            let digits = query.filter { !$0.isWhitespace }
            guard [6, 8].contains(digits.count), digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else {
                return layout.response(Self.searchForm(context), status: query.isEmpty ? .badRequest : .notFound, result: .init(
                    kind: .bad, text: query.isEmpty ? "Type a user (name@domain), a serial or the code a token shows."
                        : "No token with serial \(query), and it is not a 6- or 8-digit code. Check the serial on the back of the token."))
            }
            _ = try context.require(.findByCode)
            let found = try await call { try await service.find(code: digits, user: nil, context: context.service(caller)) }
            let rows = found.map { token -> HTML in
                "<tr><td><a href=\"/tokens/\(Layout.segment(token.serial))\">\(token.serial)</a></td><td>\(token.upn ?? "unassigned")</td><td>\(token.status.rawValue)</td></tr>"
            }
            let list: HTML = found.isEmpty ? "" : """
                <table id="found"><thead><tr><th scope="col">serial</th><th scope="col">user</th><th scope="col">status</th></tr></thead><tbody>\(rows)</tbody></table>
                """
            let words = found.isEmpty ? "No token shows this code now. Ask for the next code, or search by serial."
                : "\(found.count) token\(found.count == 1 ? "" : "s") show\(found.count == 1 ? "s" : "") this code now."
            return layout.response(Self.searchForm(context) + list, result: .init(kind: found.isEmpty ? .warn : .ok, text: words))
        }
        pages.get("users/:upn") { _, context -> Response in
            _ = try context.require(.readTokens)
            let upn = try context.parameters.require("upn")
            let user = try await call { try await service.methods(of: upn) }
            return Layout(title: upn, context: context).response(Self.userPage(user))
        }
        pages.get("tokens/:serial") { _, context -> Response in
            _ = try context.require(.readTokens)
            return try await tokenCard(serial: try context.parameters.require("serial"), context: context)
        }
    }

    /// Whether a token has this serial. A store that does not answer is its error page (503), not a "no such serial".
    private func tokenExists(serial: String) async throws -> Bool {
        do {
            _ = try await service.token(serial: serial)
            return true
        } catch StoreError.tokenNotFound {
            return false
        } catch let error as StoreError {
            throw APIError(error)
        }
    }

    static func searchForm(_ context: APIContext) -> HTML {
        """
        <form method="post" action="/search" role="search">\(Layout(title: "", context: context).csrfField)
        <label for="q">User, serial or the code the token shows</label>
        <input type="search" id="q" name="q" autocomplete="off" autofocus placeholder="helga@contoso.com, 300001 or 482 913">
        <button id="search">Search</button></form>
        """
    }

    private static func userPage(_ user: UserMethods) -> HTML {
        let (tokens, apps, free) = (user.tokens, user.apps, user.slotsLeft)
        let rows = tokens.map { token -> HTML in
            """
            <tr><td><a href="/tokens/\(Layout.segment(token.serial))">\(token.serial)</a></td><td>\(token.status.rawValue)</td>
            <td>\(token.manufacturer) \(token.model)</td><td>\(token.lastUsedStep.map { Layout.time($0 * Int64(token.interval)) } ?? "never")</td></tr>
            """
        }
        let appRows = apps.map { "<li>\($0.name) (authenticator app)</li>" as HTML }
        return """
            <p id="slots"><strong>\(free) of \(MethodLimit.perUser) slots free</strong> (OATH tokens and authenticator apps together).</p>
            <h2>Tokens</h2>
            \(tokens.isEmpty ? "<p>No token is assigned to this user.</p>" : """
            <table id="user-tokens"><thead><tr><th scope="col">serial</th><th scope="col">status</th><th scope="col">model</th><th scope="col">last used</th></tr></thead>
            <tbody>\(rows)</tbody></table>
            """ as HTML)
            <h2>Authenticator apps</h2>
            \(apps.isEmpty ? "<p>None.</p>" : "<ul>\(appRows)</ul>" as HTML)
            """
    }
}
