import HTTPTypes
import Hummingbird

/// Sets the client's address for every request: the socket's, or behind the trusted proxy the
/// address it appended last to `X-Forwarded-For`. From anyone else the header is ignored (a client
/// could write any address into it).
struct ClientAddress: RouterMiddleware {
    let trustedProxy: String?

    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        guard let trustedProxy, context.client == trustedProxy, let forwarded = request.headers[Self.forwardedFor],
              let last = forwarded.split(separator: ",").last?.trimmingCharacters(in: .whitespaces), !last.isEmpty else {
            return try await next(request, context)
        }
        var context = context
        context.client = String(last.prefix(64))
        return try await next(request, context)
    }
}
