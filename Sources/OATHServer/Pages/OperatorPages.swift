import Foundation
import Hummingbird
import SecretSealing
import TokenDomain
import TokenService

extension APIServer {
    /// Operators (admin): the list, adding one (a program's key shown once), disabling, removing;
    /// the last-admin rule's refusal in its words.
    func addOperatorPages(_ pages: RouterGroup<APIContext>) {
        pages.get("operators") { _, context -> Response in
            try await operatorsPage(context: context)
        }
        pages.post("operators") { _, context -> Response in
            let caller = try context.require(.manageOperators)
            let name = context.form.text("name") ?? ""
            guard let role = context.form["role"].flatMap(Role.init(rawValue:)) else {
                throw APIError(.badRequest, code: "role_invalid", message: "choose a role")
            }
            let key = context.form["program"] == "yes" ? APIKey.generate() : nil
            let credential: OperatorCredential = key.map { .apiKey($0) } ?? .password(Array((context.form["password"] ?? "").utf8))
            do {
                try await service.addOperator(name: name, role: role, credential: credential, context: context.service(caller))
            } catch let error as StoreError where error.kind != .failure {
                return try await operatorsPage(context: context, result: .init(kind: .bad, text: error.description))
            }
            let shown: HTML = key.map {
                """
                <p>The API key of <strong>\(name)</strong>, shown this once: put it in the program's secret store now.</p>
                <p class="key" id="new-api-key">\($0)</p>
                """
            } ?? .empty
            return try await operatorsPage(context: context, result: .init(kind: .ok, text: "Added \(name) (\(role.rawValue))."), before: shown)
        }
        for action in ["disable", "enable", "remove"] {
            pages.post("operators/:name/\(action)") { _, context -> Response in
                let caller = try context.require(.manageOperators)
                let name = try context.parameters.require("name")
                do {
                    if action == "remove" {
                        try await service.removeOperator(name: name, context: context.service(caller))
                    } else {
                        try await service.setDisabled(action == "disable", name: name, context: context.service(caller))
                    }
                } catch let error as StoreError where error.kind != .failure {
                    return try await operatorsPage(context: context, result: .init(kind: .bad, text: error.description))
                }
                let done = action == "remove" ? "Removed" : action == "disable" ? "Disabled" : "Enabled"
                return try await operatorsPage(context: context, result: .init(kind: .ok, text: "\(done) \(name)."))
            }
        }
    }

    private func operatorsPage(context: APIContext, result: Layout.Result? = nil, before: HTML = .empty) async throws -> Response {
        _ = try context.require(.manageOperators)
        let operators = try await call { try await service.operators() }
        let layout = Layout(title: "Operators", context: context)
        let rows = operators.map { account -> HTML in
            let path = "/operators/\(Layout.segment(account.name))"
            let toggle = account.disabled ? "enable" : "disable"
            let state: HTML = account.disabled ? "disabled" : account.lockedUntil.map { "locked until \(Layout.time($0))" } ?? "active"
            return """
                <tr><td>\(account.name)</td><td>\(account.role.rawValue)</td><td>\(account.kind.rawValue)</td><td>\(state)</td><td>
                <form class="inline" method="post" action="\(path)/\(toggle)">\(layout.csrfField)<button class="secondary">\(toggle.capitalized)</button></form>
                <form class="inline" method="post" action="\(path)/remove">\(layout.csrfField)<button class="danger">Remove</button></form></td></tr>
                """
        }
        let roles = Role.allCases.map { "<option value=\"\($0.rawValue)\">\($0.rawValue)</option>" as HTML }
        return layout.response("""
            \(before)
            <div class="wide"><table id="operators"><thead><tr><th scope="col">name</th><th scope="col">role</th><th scope="col">kind</th>
            <th scope="col">state</th><th scope="col">actions</th></tr></thead><tbody>\(rows)</tbody></table></div>
            <p class="muted">The last enabled admin cannot be disabled or removed: make another admin first.</p>
            <h2>Add an operator</h2>
            <form method="post" action="/operators">\(layout.csrfField)
            <label for="new-name">Name</label><input type="text" id="new-name" name="name" required autocomplete="off">
            <label for="new-role">Role</label><select id="new-role" name="role">\(roles)</select>
            <label for="new-password">Password (a person; at least \(Operator.minPasswordLength) characters)</label>
            <input type="password" id="new-password" name="password" autocomplete="new-password">
            <label><input type="checkbox" id="new-program" name="program" value="yes"> A program: make an API key instead (shown once)</label>
            <button id="add-operator">Add</button></form>
            """, result: result)
    }
}
