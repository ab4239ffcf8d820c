import Hummingbird

/// A page's errors as pages, in the same words as the API and the command line: 403 for a role
/// that may not, 404, 503 when the store does not answer. A 401 goes back to the sign-in page.
struct PageErrors: RouterMiddleware {
    func handle(_ request: Request, context: APIContext, next: (Request, APIContext) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            if error.status == .unauthorized { return PageSession.toSignIn(request) }
            let title = switch error.status {
            case .forbidden: "Not for your role"
            case .notFound: "Not found"
            case .serviceUnavailable: "The store does not answer"
            default: "That did not work"
            }
            let body: HTML = "<p id=\"error-message\">\(error.message)</p><p class=\"muted\">Request id \(context.requestId)</p><p><a href=\"/\">Back to search</a></p>"
            return Layout(title: title, context: context).response(body, status: error.status)
        }
    }
}
