import Foundation
import Hummingbird
import TokenDomain

/// An error as the API answers it: a status, a stable code and the same words as the command
/// line, in `{"error": {"code", "message", "requestId"}}`. Never a secret.
struct APIError: HTTPResponseError, Sendable {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    /// Seconds to wait, sent as `Retry-After` (429, 503).
    var retryAfter: Int64?

    init(_ status: HTTPResponse.Status, code: String, message: String, retryAfter: Int64? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.retryAfter = retryAfter
    }

    static func throttled(_ seconds: Int64) -> APIError {
        APIError(.tooManyRequests, code: "throttled", message: "too many failed attempts; try again in \(seconds) s",
                 retryAfter: seconds)
    }

    /// 507 (RFC 4918): the store has no room for what the request would add.
    static let insufficientStorage = HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")

    /// The one place a domain error's kind becomes an HTTP status.
    init(_ error: StoreError) {
        let status: HTTPResponse.Status = switch error.kind {
        case .refused: error == .loginRefused ? .unauthorized : .conflict
        case .notFound: .notFound
        case .conflict: .conflict
        case .invalidInput: .badRequest
        case .failure:
            switch error {
            case .unreachable, .database, .busy: .serviceUnavailable
            case .storeFull: Self.insufficientStorage
            default: .internalServerError
            }
        }
        // A store that does not answer may answer soon (a restart, a failover): say when to retry.
        var retryAfter: Int64? = status == .serviceUnavailable ? 5 : nil
        if case let .busy(_, seconds) = error { retryAfter = Int64(seconds) }
        self.init(status, code: Self.code(error), message: error.description, retryAfter: retryAfter)
    }

    /// A short, stable code per error, for programs.
    static func code(_ error: StoreError) -> String {
        switch error {
        case .userLimit: "user_token_limit"
        case .assignedToOther: "token_assigned_elsewhere"
        case .stillAssigned: "token_still_assigned"
        case .notAssigned: "token_not_assigned"
        case .notActivated: "token_not_activated"
        case .tokenNotFound: "token_not_found"
        case .appExists: "app_exists"
        case .appNotFound: "app_not_found"
        case .invalidUser: "upn_invalid"
        case .invalidAppName: "app_name_invalid"
        case .invalidPolicy: "policy_invalid"
        case .invalidCode: "code_invalid"
        case .tooManyMatches: "too_many_matches"
        case .invalidOperator: "operator_invalid"
        case .unstorableText: "text_invalid"
        case .operatorExists: "operator_exists"
        case .operatorNotFound: "operator_not_found"
        case .lastAdmin: "last_admin"
        case .loginRefused: "unauthorized"
        case .batchNotFound: "batch_not_found"
        case .reportNotKept: "report_not_kept"
        case .unreachable, .database: "store_unavailable"
        case .storeFull: "store_full"
        case .busy: "busy"
        case .importRaced: "import_raced"
        case .storeMissing, .storeExists, .notEmpty, .notAStore, .wrongKey: "store_error"
        }
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let body = Body(error: .init(code: code, message: message, requestId: (context as? APIContext)?.requestId ?? ""))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var response = try encoder.encode(body, from: request, context: context)
        response.status = status
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }

    private struct Body: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
            var requestId: String
        }
        var error: Detail
    }

    static let unauthorized = APIError(.unauthorized, code: "unauthorized", message: "log in (a session cookie) or send an API key (Authorization: Bearer)")
    static let forbidden = APIError(.forbidden, code: "forbidden", message: "your role may not do this")
    static let csrf = APIError(.forbidden, code: "csrf_missing", message: "a change with a session cookie needs its CSRF token in X-CSRF-Token")
}
