import Foundation
import Hummingbird
import TokenDomain
import TokenService

extension APIServer {
    /// The token card's forms: activate, check, resync, unlock, assign, unassign (after a
    /// confirmation). Each answers with the card and the result in the command line's words.
    func addTokenActions(_ pages: RouterGroup<APIContext>) {
        for kind in [CheckWording.Kind.activation, .signIn, .resync] {
            let action = switch kind {
            case .activation: "activate"
            case .signIn: "verify"
            case .resync: "resync"
            }
            pages.post("tokens/:serial/\(action)") { _, context -> Response in
                let caller = try context.require(.activate)
                let serial = try context.parameters.require("serial")
                let code = { (field: String) in (context.form[field] ?? "").filter { !$0.isWhitespace } }
                return try await acting(serial: serial, context: context) {
                    let outcome = switch kind {
                    case .activation: try await service.activate(serial: serial, code: code("code"), user: nil, context: context.service(caller))
                    case .signIn: try await service.verify(serial: serial, code: code("code"), context: context.service(caller))
                    case .resync: try await service.resync(serial: serial, first: code("code1"), second: code("code2"), context: context.service(caller))
                    }
                    let words = CheckWording(kind, unlockHint: { _ in "Unlock" }, time: Layout.utc).text(outcome)
                    return .init(kind: outcome.accepted ? .ok : (outcome.reason == .tokenLocked || outcome.lockedUntil != nil ? .warn : .bad),
                                 text: words)
                }
            }
        }
        pages.post("tokens/:serial/unlock") { _, context -> Response in
            let caller = try context.require(.unlock)
            let serial = try context.parameters.require("serial")
            return try await acting(serial: serial, context: context) {
                try await service.unlock(serial: serial, context: context.service(caller))
                return .init(kind: .ok, text: "Unlocked \(serial): denied attempts cleared.")
            }
        }
        pages.post("tokens/:serial/assign") { _, context -> Response in
            let caller = try context.require(.assign)
            let serial = try context.parameters.require("serial")
            let upn = context.form.text("upn") ?? ""
            return try await acting(serial: serial, context: context) {
                try await service.assign(serial: serial, to: upn, context: context.service(caller))
                let left = try await service.methods(of: upn).slotsLeft
                return .init(kind: .ok, text: "Assigned \(serial) to \(upn); \(left) of \(MethodLimit.perUser) slots left. Activate it with the code it shows.")
            }
        }
        pages.post("tokens/:serial/unassign") { _, context -> Response in
            let caller = try context.require(.assign)
            let serial = try context.parameters.require("serial")
            guard context.form["confirm"] == "yes" else {
                let token = try await call { try await service.token(serial: serial) }
                let layout = Layout(title: "Unassign \(token.serial)?", context: context)
                return layout.response("""
                    <p>Take token <strong>\(token.serial)</strong> from <strong>\(token.upn ?? "nobody")</strong>? They can no longer sign in with it.</p>
                    <form method="post" action="/tokens/\(Layout.segment(token.serial))/unassign">\(layout.csrfField)
                    <input type="hidden" name="confirm" value="yes"><button class="danger" id="confirm-unassign">Yes, unassign</button>
                    <a href="/tokens/\(Layout.segment(token.serial))">No, go back</a></form>
                    """)
            }
            return try await acting(serial: serial, context: context) {
                try await service.unassign(serial: serial, context: context.service(caller))
                return .init(kind: .ok, text: "Unassigned \(serial).")
            }
        }
    }

    /// Runs an action and answers with the card; a rule's refusal is shown on the card in its words.
    private func acting(serial: String, context: APIContext, _ action: () async throws -> Layout.Result) async throws -> Response {
        do {
            let result = try await action()
            return try await tokenCard(serial: serial, context: context, result: result)
        } catch let error as StoreError where error.kind != .failure && error.kind != .notFound {
            return try await tokenCard(serial: serial, context: context, result: .init(kind: .bad, text: error.description),
                                       status: APIError(error).status)
        } catch let error as StoreError {
            throw APIError(error)
        }
    }
}
