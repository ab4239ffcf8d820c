import HTTPTypes
import Hummingbird

/// Headers on every response: the request id, no caching of API answers, and the browser
/// protections (CSP, no MIME sniffing, no referrer; HSTS under TLS).
struct ResponseHeaders: RouterMiddleware {
    let tls: Bool

    static let requestId = HTTPField.Name("X-Request-Id")!

    static func code(_ status: HTTPResponse.Status) -> String {
        switch status {
        case .notFound: "not_found"
        case .contentTooLarge: "too_large"
        case .methodNotAllowed: "method_not_allowed"
        default: "bad_request"
        }
    }

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as APIError {
            response = try error.response(from: request, context: context)
        } catch let error as HTTPResponseError {
            response = try APIError(error.status, code: Self.code(error.status), message: error.status.reasonPhrase)
                .response(from: request, context: context)
        } catch {
            // Never the error's text: it is the server's business, and could quote what it read.
            context.logger.error("request failed", metadata: ["request": "\(context.requestId)", "error": "\(type(of: error))"])
            response = try APIError(.internalServerError, code: "internal", message: "the server failed; its log has this request id")
                .response(from: request, context: context)
        }
        response.headers[Self.requestId] = context.requestId
        response.headers[.contentSecurityPolicy] = "default-src 'self'"
        response.headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        response.headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        response.headers[.cacheControl] = "no-store"
        if tls { response.headers[.strictTransportSecurity] = "max-age=31536000" }
        return response
    }
}
