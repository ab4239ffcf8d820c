import Foundation
import Hummingbird
import SecretSealing
import TokenDomain
import TokenService

extension APIServer {
    /// The admin's sections: upload (the script talks to the API), batches, policy, operators.
    func addAdminPages(_ pages: RouterGroup<APIContext>) {
        pages.get("upload") { _, context -> Response in
            _ = try context.require(.importTokens)
            return Layout(title: "Upload a token file", context: context).response(Self.uploadForm)
        }
        pages.get("batches") { _, context -> Response in
            _ = try context.require(.readAudit)
            let batches = try await call { try await service.batches() }
            let rows = batches.reversed().map { b -> HTML in
                """
                <tr><td>\(b.id)</td><td>\(b.fileName)</td><td>\(b.rowsRead)</td><td>\(b.accepted)</td><td>\(b.rejected)</td><td>\(b.added)</td>
                <td>\(b.assigned)</td><td>\(b.unchanged)</td><td>\(Layout.time(b.createdAt))</td><td>\(b.actor)</td>
                <td><a href="/api/v1/imports/\(b.id)/report" download="Failures_batch_\(b.id).csv">report</a></td></tr>
                """
            }
            return Layout(title: "Batches", context: context).response("""
                <div class="wide"><table id="batches" class="sortable"><thead><tr><th>batch</th><th>file</th><th>rows</th><th>accepted</th><th>rejected</th>
                <th>added</th><th>assigned</th><th>unchanged</th><th>when</th><th>who</th><th>error report</th></tr></thead><tbody>\(rows)</tbody></table></div>
                """)
        }
        pages.get("policy") { _, context -> Response in
            try await policyPage(context: context)
        }
        pages.post("policy") { _, context -> Response in
            let caller = try context.require(.changePolicy)
            guard let key = context.form["setting"], let setting = Policy.Setting(rawValue: key) else {
                throw APIError(.badRequest, code: "policy_unknown", message: "no such policy setting")
            }
            guard let value = context.form.text("value").flatMap({ Int($0) }) else {
                return try await policyPage(context: context, result: .init(kind: .bad, text: "\(key) takes a whole number in \(setting.range)"))
            }
            do {
                try await service.setPolicy(setting, to: value, context: context.service(caller))
                return try await policyPage(context: context, result: .init(kind: .ok, text: "\(key) is now \(value)."))
            } catch let error as StoreError where error.kind == .invalidInput {
                return try await policyPage(context: context, result: .init(kind: .bad, text: error.description))
            }
        }
        addOperatorPages(pages)
    }

    private static let uploadForm: HTML = """
        <noscript><p class="status warn">The upload needs JavaScript; without it, use 'oathctl validate' and 'oathctl import'.</p></noscript>
        <form id="upload-form">
        <label for="file">Token file (upload CSV, PSKC, OATH CSV or SafeWord .dat)</label><input type="file" id="file" name="file" required>
        <fieldset><legend>An encrypted PSKC</legend>
        <label for="pskc-key-file">Pre-shared key file (hex)</label><input type="file" id="pskc-key-file" name="pskc-key-file">
        <label for="pskc-password">Or its password</label><input type="password" id="pskc-password" name="pskc-password" autocomplete="off">
        </fieldset>
        <fieldset><legend>Options</legend>
        <label><input type="checkbox" id="entra" name="entra"> Check exactly as Microsoft Entra's upload (UPN required, SHA-1, 6 digits)</label>
        <label><input type="checkbox" id="atomic" name="atomic"> Store nothing when any row is rejected</label>
        <label for="manufacturer">Manufacturer of rows that name none</label><input type="text" id="manufacturer" name="manufacturer">
        <label for="model">Model of rows that name none</label><input type="text" id="model" name="model">
        </fieldset>
        <button id="check-file">Check the file</button>
        </form>
        <progress id="upload-progress" hidden></progress>
        <div id="upload-status" class="status" role="status" aria-live="polite"></div>
        <div id="upload-results"></div>
        """

    private func policyPage(context: APIContext, result: Layout.Result? = nil) async throws -> Response {
        let role = try context.require(.readAudit).account.role
        let policy = try await call { try await service.policy() }
        let layout = Layout(title: "Policy", context: context)
        let rows = Policy.Setting.allCases.map { setting -> HTML in
            let change: HTML = role.allows(.changePolicy) ? """
                <form class="inline" method="post" action="/policy">\(layout.csrfField)<input type="hidden" name="setting" value="\(setting.rawValue)">
                <label class="muted" for="value-\(setting.rawValue)">New value</label>
                <input type="number" id="value-\(setting.rawValue)" name="value" min="\(setting.range.lowerBound)" max="\(setting.range.upperBound)" required>
                <button class="secondary">Set</button></form>
                """ : .empty
            return """
                <tr><td>\(setting.rawValue)</td><td>\(policy[setting])</td><td>\(setting.range.lowerBound)–\(setting.range.upperBound)</td>
                <td>\(setting.summary) (default \(setting.defaultValue))</td><td>\(change)</td></tr>
                """
        }
        return layout.response("""
            <div class="wide"><table id="policy"><thead><tr><th scope="col">setting</th><th scope="col">value</th><th scope="col">range</th>
            <th scope="col">meaning</th><th scope="col"></th></tr></thead><tbody>\(rows)</tbody></table></div>
            """, result: result)
    }
}
