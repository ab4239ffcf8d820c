/// A token's life-cycle status, as Microsoft Graph names it.
public enum TokenStatus: String, Codable, Sendable, CaseIterable {
    case available, assigned, activated, failedActivation
}
