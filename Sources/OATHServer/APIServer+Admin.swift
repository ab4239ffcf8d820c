import Foundation
import Hummingbird
import SecretSealing
import TokenDomain
import TokenService

extension APIServer {
    /// The audit trail, batches, the policy and operators.
    func addAdminRoutes(_ api: RouterGroup<APIContext>) {
        api.get("audit") { request, context -> Response in
            let query = request.uri.queryParameters
            let serial = query.get("serial")
            // One token's entries are the helpdesk's too; the whole trail is the auditors'.
            _ = try context.require(serial == nil ? .readAudit : .readTokenAudit)
            func number(_ name: String, _ meaning: String) throws -> Int64? {
                try query.get(name).map { text in
                    guard let value = Int64(text), value >= 0 else { throw APIError(.badRequest, code: "\(name)_invalid", message: "\(name) is \(meaning)") }
                    return value
                }
            }
            let since = try number("since", "Unix seconds")
            let after = try number("after", "the id of the last entry of the previous page")
            let limit = min(max(Int(query.get("limit") ?? "") ?? 1_000, 1), 10_000)
            // A page of 10,000 entries is a few MB of JSON: read and encoded on the bulk lane, not on the
            // threads sign-in checks run on (an audit export pages through millions).
            let encoder = context.responseEncoder
            let body = try await call {
                try await service.lanes.bulk.run {
                    let entries = try await service.auditTrail(AuditQuery(serial: serial, user: query.get("upn"), since: since,
                                                                          actor: query.get("operator"), action: query.get("action"),
                                                                          after: after, limit: limit))
                    return try encoder.encode(entries)
                }
            }
            return Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
        api.get("batches") { _, context -> [Batch] in
            _ = try context.require(.readAudit)
            return try await call { try await service.batches() }
        }
        api.get("policy") { _, context -> Policy in
            _ = try context.require(.readAudit)
            return try await call { try await service.policy() }
        }
        api.put("policy/:key") { request, context -> PolicyValue in
            let caller = try context.require(.changePolicy)
            let key = try context.parameters.require("key")
            guard let setting = Policy.Setting(rawValue: key) else {
                throw APIError(.notFound, code: "policy_unknown", message: "no policy setting named \(key)")
            }
            let body = try await request.decode(as: PolicyValue.self, context: context)
            try await call { try await service.setPolicy(setting, to: body.value, context: context.service(caller)) }
            return body
        }
        api.get("operators") { _, context -> [Operator] in
            _ = try context.require(.manageOperators)
            return try await call { try await service.operators() }
        }
        api.post("operators") { request, context -> NewOperatorResponse in
            let caller = try context.require(.manageOperators)
            let body = try await request.decode(as: NewOperatorRequest.self, context: context)
            var key: String?
            let credential: OperatorCredential
            switch (body.password, body.apiKey ?? false) {
            case let (password?, false): credential = .password(Array(password.utf8))
            case (nil, true):
                key = APIKey.generate()
                credential = .apiKey(key!)
            default: throw APIError(.badRequest, code: "operator_invalid", message: "give a person a password, or ask for an API key for a program")
            }
            try await call { try await service.addOperator(name: body.name, role: body.role, credential: credential, context: context.service(caller)) }
            return NewOperatorResponse(name: body.name, role: body.role, apiKey: key)
        }
        api.post("operators/:name/disable") { _, context -> Response in
            try await setDisabled(true, context: context)
        }
        api.post("operators/:name/enable") { _, context -> Response in
            try await setDisabled(false, context: context)
        }
        api.delete("operators/:name") { _, context -> Response in
            let caller = try context.require(.manageOperators)
            let name = try context.parameters.require("name")
            try await call { try await service.removeOperator(name: name, context: context.service(caller)) }
            return Response(status: .noContent)
        }
    }

    private func setDisabled(_ disabled: Bool, context: APIContext) async throws -> Response {
        let caller = try context.require(.manageOperators)
        let name = try context.parameters.require("name")
        try await call { try await service.setDisabled(disabled, name: name, context: context.service(caller)) }
        return Response(status: .noContent)
    }
}
