/// A token that shows a given code now (`find`).
public struct FoundToken: Codable, Sendable, Equatable {
    public var serial: String
    public var upn: String?
    public var status: TokenStatus
    /// Steps between the matching step and now.
    public var drift: Int

    public init(serial: String, upn: String?, status: TokenStatus, drift: Int) {
        self.serial = serial
        self.upn = upn
        self.status = status
        self.drift = drift
    }
}
