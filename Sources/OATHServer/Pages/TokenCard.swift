import Foundation
import Hummingbird
import TokenDomain
import TokenService

extension APIServer {
    /// The token card: what the helpdesk reads out on the phone, its audit trail, and the actions
    /// the operator's role allows (none for an auditor). `result` is the action just done.
    func tokenCard(serial: String, context: APIContext, result: Layout.Result? = nil,
                   status: HTTPResponse.Status = .ok) async throws -> Response {
        let token = try await call { try await service.token(serial: serial) }
        let policy = try await call { try await service.policy() }
        let trail = try await call { try await service.auditTrail(AuditQuery(serial: token.serial)) }
        let role = context.caller?.account.role
        let layout = Layout(title: "Token \(token.serial)", context: context)
        let body = Self.details(token, policy: policy) + Self.actions(token, role: role, csrf: layout.csrfField)
            + Self.trail(trail.suffix(25).reversed())
        return layout.response(body, status: status, result: result)
    }

    private static func details(_ token: Token, policy: Policy) -> HTML {
        let user: HTML = token.upn.map { "<a href=\"/users/\(Layout.segment($0))\">\($0)</a>" } ?? "unassigned"
        let driftSteps = token.drift, driftSeconds = token.drift * token.interval
        let drift: HTML = "\(driftSeconds >= 0 ? "+" : "")\(driftSeconds) s: \(CheckWording.clock(drift: driftSteps, seconds: driftSeconds))"
        let locked = token.lockedUntil.map { Layout.time($0) } ?? "not locked"
        let lastUsed = token.lastUsedStep.map { Layout.time($0 * Int64(token.interval)) } ?? "never"
        return """
            <dl class="card" id="token-card">
            <dt>Status</dt><dd id="token-status">\(token.status.rawValue)</dd>
            <dt>User</dt><dd id="token-user">\(user)</dd>
            <dt>Model</dt><dd>\(token.manufacturer) \(token.model)</dd>
            <dt>Time step, digits</dt><dd>\(token.interval) s, \(token.digits) digits, \(token.hash)</dd>
            <dt>Clock drift</dt><dd id="token-drift">\(drift)</dd>
            <dt>Denied attempts</dt><dd id="token-denied">\(token.failedAttempts) of \(policy.lockoutThreshold) before lockout</dd>
            <dt>Locked until</dt><dd id="token-locked">\(locked)</dd>
            <dt>Last used</dt><dd>\(lastUsed)</dd>
            </dl>
            """
    }

    private static func actions(_ token: Token, role: Role?, csrf: HTML) -> HTML {
        guard let role else { return .empty }
        let path = "/tokens/\(Layout.segment(token.serial))"
        var forms: [HTML] = []
        let codeField = { (id: String, label: String) -> HTML in
            """
            <label for="\(id)">\(label)</label>
            <input class="code" type="text" id="\(id)" name="\(id)" inputmode="numeric" autocomplete="one-time-code"
             pattern="[0-9 ]{6,11}" title="the 6 or 8 digits the token shows; spaces are ignored" required>
            """
        }
        if role.allows(.activate), token.upn != nil {
            let activated = token.status == .activated
            forms.append("""
                <form method="post" action="\(path)/\(activated ? "verify" : "activate")"><fieldset><legend>\(activated ? "Check a code (a test sign-in)" : "Activate")</legend>
                \(csrf)\(codeField("code", "The code the token shows now"))<button id="\(activated ? "verify" : "activate")">\(activated ? "Check" : "Activate")</button>
                </fieldset></form>
                """)
            if activated {
                forms.append("""
                    <form method="post" action="\(path)/resync"><fieldset><legend>Resync (the token's clock has drifted)</legend>
                    \(csrf)\(codeField("code1", "A code"))\(codeField("code2", "The next code"))<button id="resync">Resync</button></fieldset></form>
                    """)
            }
        }
        if role.allows(.unlock), token.lockedUntil != nil || token.failedAttempts > 0 {
            forms.append("""
                <form method="post" action="\(path)/unlock"><fieldset><legend>Unlock</legend>\(csrf)
                <p>Clears the denied attempts and the lock.</p><button id="unlock">Unlock</button></fieldset></form>
                """)
        }
        if role.allows(.assign) {
            if token.upn == nil {
                forms.append("""
                    <form method="post" action="\(path)/assign"><fieldset><legend>Assign to a user</legend>\(csrf)
                    <label for="upn">User (name@domain)</label><input type="text" id="upn" name="upn" autocomplete="off" required>
                    <button id="assign">Assign</button></fieldset></form>
                    """)
            } else {
                forms.append("""
                    <form method="post" action="\(path)/unassign"><fieldset><legend>Unassign</legend>\(csrf)
                    <p>Takes the token from its user; it can then be given to someone else.</p><button class="danger" id="unassign">Unassign…</button>
                    </fieldset></form>
                    """)
            }
        }
        return forms.isEmpty ? .empty : "<h2>Actions</h2><div class=\"actions\">\(forms)</div>"
    }

    private static func trail(_ entries: [AuditEntry]) -> HTML {
        let rows = entries.map { entry -> HTML in
            "<tr><td>\(Layout.time(entry.at))</td><td>\(entry.actor)</td><td>\(entry.action)</td><td>\(entry.detail)</td></tr>"
        }
        return """
            <h2>Audit trail (latest first)</h2>
            <div class="wide"><table id="token-trail"><thead><tr><th scope="col">when</th><th scope="col">who</th><th scope="col">action</th>
            <th scope="col">detail</th></tr></thead><tbody>\(rows)</tbody></table></div>
            """
    }
}
