import Foundation
import Hummingbird
import TokenDomain

/// The frame of every page: the operator's name and role, the sections their role may open, sign
/// out, and a live region that announces each result. Styles and script come from /static (the
/// CSP forbids inline ones); the CSRF token is in a meta tag for the upload script.
struct Layout {
    let title: String
    let context: APIContext

    /// The sections, each shown to the roles that may use it.
    private static let sections: [(path: String, name: String, permission: Permission)] = [
        ("/", "Search", .readTokens), ("/upload", "Upload", .importTokens), ("/batches", "Batches", .readAudit),
        ("/audit", "Audit", .readAudit), ("/policy", "Policy", .readAudit), ("/operators", "Operators", .manageOperators),
    ]

    func response(_ main: HTML, status: HTTPResponse.Status = .ok, result: Result? = nil) -> Response {
        Self.html(page(main, result: result), status: status)
    }

    func page(_ main: HTML, result: Result?) -> HTML {
        let header: HTML
        if let account = context.caller?.account {
            let links = Self.sections.filter { account.role.allows($0.permission) }.map { "<a href=\"\($0.path)\">\($0.name)</a>" as HTML }
            header = """
                <header><strong>oathctl</strong><nav aria-label="Sections">\(links)</nav>
                <span class="who">Signed in as <strong id="operator-name">\(account.name)</strong> (<span id="operator-role">\(account.role.rawValue)</span>)</span>
                <form class="inline" method="post" action="/logout">\(csrfField)<button class="secondary" id="sign-out">Sign out</button></form></header>
                """
        } else {
            header = "<header><strong>oathctl</strong></header>"
        }
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="csrf-token" content="\(context.csrfToken)"><title>\(title) · oathctl</title>
            <link rel="stylesheet" href="/static/app.css"><script src="/static/app.js" defer></script></head>
            <body>\(header)<main><h1>\(title)</h1>
            <div id="result" role="status" aria-live="polite" class="status \(result?.kind.rawValue ?? "")">\(result?.text ?? "")</div>
            \(main)</main></body></html>
            """
    }

    /// The hidden field every form carries.
    var csrfField: HTML { "<input type=\"hidden\" name=\"csrf\" value=\"\(context.csrfToken)\">" }

    static func html(_ page: HTML, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: page.text)))
    }

    static func redirect(_ location: String) -> Response {
        Response(status: .seeOther, headers: [.location: location])
    }

    /// What an action did, announced at the top of the page.
    struct Result {
        enum Kind: String { case ok, bad, warn }
        var kind: Kind
        var text: String
    }
}

extension Layout {
    /// A time for people: `<time>` with the UTC text, which the script shows in the reader's zone
    /// with how far away it is ("in 12 minutes").
    static func time(_ seconds: Int64?) -> HTML {
        guard let seconds else { return "never" }
        let text = utc(seconds)
        return "<time datetime=\"\(text)\">\(text)</time>"
    }

    /// Unix seconds as ISO 8601 in UTC, as the command line prints times.
    static func utc(_ seconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// A path segment, percent-encoded (a serial or a UPN in a link).
    static func segment(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/?#"))) ?? text
    }
}
