/// One change recorded in the audit trail: when, who (operator and request), what, which token and
/// user. Never a secret.
public struct AuditEntry: Codable, Sendable, Equatable {
    /// Its place in the trail (ascending); 0 before it is stored.
    public var id: Int64
    public var at: Int64
    /// The operator who acted: the OS user or `--actor` on the command line.
    public var actor: String
    public var action: String
    public var serial: String?
    public var upn: String?
    public var detail: String
    /// The request the change belongs to: one per command run or HTTP request.
    public var requestId: String?
    /// The operator's role, when it acted through the server.
    public var role: String?
    /// The client's address, when the operator acted through the server.
    public var client: String?

    public init(id: Int64 = 0, at: Int64, actor: String, action: String, serial: String?, upn: String?, detail: String,
                requestId: String?, role: String? = nil, client: String? = nil) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.serial = serial
        self.upn = upn
        self.detail = detail
        self.requestId = requestId
        self.role = role
        self.client = client
    }
}
