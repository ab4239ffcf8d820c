import Foundation
import TokenDomain

/// Who asks and under which request: every service operation takes one, and every audit entry
/// and log line of the operation carries both.
public struct OperationContext: Sendable {
    /// The operator: on the command line the OS user or `--actor`; on the server, the authenticated operator.
    public var actor: String
    /// One per command run or HTTP request, to tie its audit entries and log lines together.
    public var requestId: String
    /// The operator's role and the client's address, on the server (nil on the command line).
    public var role: Role?
    public var client: String?

    public init(actor: String, requestId: String = OperationContext.newRequestId(), role: Role? = nil, client: String? = nil) {
        self.actor = actor
        self.requestId = requestId
        self.role = role
        self.client = client
    }

    /// A fresh random request id (a UUID: unique, and says nothing of who or what).
    public static func newRequestId() -> String { UUID().uuidString.lowercased() }
}
