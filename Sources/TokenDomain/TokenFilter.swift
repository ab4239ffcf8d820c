/// Which tokens a listing shows; nil fields match every token.
public struct TokenFilter: Sendable, Equatable {
    /// The assigned user, compared as a user key (without case).
    public var user: String?
    public var status: TokenStatus?
    /// Compared without case.
    public var manufacturer: String?
    /// One serial, compared as its serial key.
    public var serial: String?

    public init(user: String? = nil, status: TokenStatus? = nil, manufacturer: String? = nil, serial: String? = nil) {
        self.user = user
        self.status = status
        self.manufacturer = manufacturer
        self.serial = serial
    }
}
