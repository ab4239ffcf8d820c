import Foundation
import Hummingbird
import TokenDomain
import TokenImport
import TokenService

extension APIServer {
    /// The audit trail for auditors (and admins): filters, pages of 100, and the same as CSV.
    func addAuditPages(_ pages: RouterGroup<APIContext>) {
        pages.get("audit") { request, context -> Response in
            _ = try context.require(.readAudit)
            let filter = try AuditFilter(request.uri.queryParameters)
            let entries = try await call { try await service.auditTrail(filter.query(limit: AuditFilter.pageSize + 1)) }
            let page = entries.prefix(AuditFilter.pageSize)
            let rows = page.map { entry -> HTML in
                """
                <tr><td>\(entry.id)</td><td>\(Layout.time(entry.at))</td><td>\(entry.actor)</td><td>\(entry.role)</td><td>\(entry.action)</td>
                <td>\(entry.serial)</td><td>\(entry.upn)</td><td>\(entry.detail)</td><td>\(entry.client)</td></tr>
                """
            }
            let next: HTML = entries.count > AuditFilter.pageSize
                ? "<a id=\"next-page\" href=\"/audit?\(filter.queryString(after: page.last!.id))\">Next \(AuditFilter.pageSize)</a>" : .empty
            let first: HTML = filter.after != nil ? "<a href=\"/audit?\(filter.queryString(after: nil))\">First page</a>" : .empty
            return Layout(title: "Audit trail", context: context).response("""
                \(filter.form)
                <p><a id="audit-csv" href="/audit.csv?\(filter.queryString(after: nil))" download="audit.csv">Download these entries as CSV</a></p>
                <div class="wide"><table id="audit" class="sortable"><thead><tr><th>id</th><th>when</th><th>who</th><th>role</th><th>action</th><th>serial</th>
                <th>user</th><th>detail</th><th>client</th></tr></thead><tbody>\(rows)</tbody></table></div>
                <div class="pager">\(first)\(next)</div>
                """)
        }
        pages.get("audit.csv") { request, context -> Response in
            _ = try context.require(.readAudit)
            let filter = try AuditFilter(request.uri.queryParameters)
            let entries = try await call { try await service.auditTrail(filter.query(limit: nil)) }
            var csv: [UInt8] = []
            let header = ["id", "at", "actor", "role", "action", "serial", "upn", "detail", "client", "request"]
            CSVWriter.append(header.map { ArraySlice($0.utf8) }, to: &csv)
            for e in entries {
                let cells = [String(e.id), Layout.utc(e.at), e.actor, e.role ?? "", e.action, e.serial ?? "", e.upn ?? "", e.detail, e.client ?? "",
                             e.requestId ?? ""].map(ErrorReport.neutralized)
                CSVWriter.append(cells.map { ArraySlice($0.utf8) }, to: &csv)
            }
            return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8", .contentDisposition: "attachment; filename=\"audit.csv\""],
                            body: .init(byteBuffer: ByteBuffer(bytes: csv)))
        }
    }
}

/// The audit page's filters, from its query: serial, user, operator, action, a time range (UTC).
struct AuditFilter {
    static let pageSize = 100
    var serial, upn, actor, action, from, to: String?
    var after: Int64?

    init(_ query: Parameters) throws {
        func value(_ name: String) -> String? { query.get(name).flatMap { $0.isEmpty ? nil : $0 } }
        serial = value("serial")
        upn = value("upn")
        actor = value("operator")
        action = value("action")
        from = value("from")
        to = value("to")
        after = try value("after").map { text in
            guard let id = Int64(text) else { throw APIError(.badRequest, code: "after_invalid", message: "after is an entry id") }
            return id
        }
        for (name, text) in [("from", from), ("to", to)] where text != nil && Self.seconds(text!) == nil {
            throw APIError(.badRequest, code: "\(name)_invalid", message: "\(name) is a date and time like 2026-11-30T09:00 (UTC)")
        }
    }

    func query(limit: Int?) -> AuditQuery {
        AuditQuery(serial: serial, user: upn, since: from.flatMap(Self.seconds), until: to.flatMap(Self.seconds), actor: actor,
                   action: action, after: after, limit: limit)
    }

    /// The filters as a query string, with a page's cursor.
    func queryString(after: Int64?) -> String {
        var components = URLComponents()
        components.queryItems = [("serial", serial), ("upn", upn), ("operator", actor), ("action", action), ("from", from), ("to", to),
                                 ("after", after.map(String.init))].compactMap { name, value in value.map { URLQueryItem(name: name, value: $0) } }
        return components.percentEncodedQuery ?? ""
    }

    var form: HTML {
        let field = { (name: String, label: String, value: String?, type: String) -> HTML in
            "<label for=\"filter-\(name)\">\(label)</label><input type=\"\(type)\" id=\"filter-\(name)\" name=\"\(name)\" value=\"\(value)\">"
        }
        return """
            <form method="get" action="/audit"><fieldset><legend>Filters</legend>
            \(field("serial", "Serial", serial, "text"))\(field("upn", "User", upn, "text"))\(field("operator", "Operator", actor, "text"))
            \(field("action", "Action (e.g. token.activate)", action, "text"))\(field("from", "From (UTC)", from, "datetime-local"))\(field("to", "To (UTC)", to, "datetime-local"))
            <button id="filter">Show</button></fieldset></form>
            """
    }

    /// `2026-11-30T09:00` (or with seconds), read as UTC.
    static func seconds(_ text: String) -> Int64? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return Int64(date.timeIntervalSince1970) }
        }
        return nil
    }
}
