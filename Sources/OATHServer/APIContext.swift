import Foundation
import Hummingbird
import NIOCore
import SecretSealing
import TokenDomain
import TokenService

/// Each request's context: who is asking (set by `Authentication`), from where, and its request id.
public struct APIContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated operator; nil until `Authentication` has run (and on the open routes).
    var caller: Caller?
    /// On the pages: the session's CSRF token for the forms, and the posted form's fields.
    var csrfToken = ""
    var form = FormFields()
    /// Ties the request's audit entries, log lines and error body together; sent as `X-Request-Id`.
    let requestId: String
    /// The client's address: as the socket saw it, or as the trusted proxy says (`Authentication`).
    var client: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        requestId = RandomToken.hex(bytes: 16)
        client = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }

    /// Request bodies decoded as JSON are small: 64 KiB is far more than any of them needs.
    public var maxUploadSize: Int { 64 * 1024 }

    /// JSON with its keys in a stable order, as the command line prints it.
    public var responseEncoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    /// The caller, or 401.
    func requireCaller() throws -> Caller {
        guard let caller else { throw APIError.unauthorized }
        return caller
    }

    /// The caller when its role allows `permission`; 401 without one, 403 otherwise.
    func require(_ permission: Permission) throws -> Caller {
        let caller = try requireCaller()
        guard caller.account.role.allows(permission) else { throw APIError.forbidden }
        return caller
    }

    /// The service's context for an operation: the authenticated operator under this request's id.
    func service(_ caller: Caller) -> OperationContext {
        OperationContext(actor: caller.account.name, requestId: requestId, role: caller.account.role, client: client)
    }
}

/// An authenticated operator, and how it proved it.
struct Caller: Sendable {
    let account: Operator
    /// The session's holder when the caller came with a session cookie (nil for an API key).
    let session: SessionHolder?
}
