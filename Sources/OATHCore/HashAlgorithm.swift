/// The hash function under an OATH HMAC (RFC 4226 uses SHA-1; RFC 6238 also allows SHA-256 and SHA-512).
public enum HashAlgorithm: String, Sendable, CaseIterable, Codable {
    case sha1, sha256, sha512

    /// The algorithm id understood by the C shim (`oath_hmac_state_init`).
    var shimIdentifier: Int32 {
        switch self {
        case .sha1: 1
        case .sha256: 256
        case .sha512: 512
        }
    }

    /// Length of the HMAC output in bytes.
    public var digestLength: Int {
        switch self {
        case .sha1: 20
        case .sha256: 32
        case .sha512: 64
        }
    }

    /// Parses `sha1`, `SHA-256`, `hmacsha512` and similar spellings used by vendors and Microsoft Graph.
    public init?(loose text: some StringProtocol) {
        let folded = text.lowercased().filter { $0 != "-" && $0 != "_" && $0 != " " }
        switch folded {
        case "sha1", "hmacsha1": self = .sha1
        case "sha256", "hmacsha256": self = .sha256
        case "sha512", "hmacsha512": self = .sha512
        default: return nil
        }
    }
}
