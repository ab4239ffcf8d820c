import OATHCore

/// A token on its way out to a file: the row of an upload CSV, a Graph object, a PSKC key package.
public struct ExportToken: Sendable {
    public var upn: String?
    public var serial: String
    /// Nil when secrets are left out (`export` without `--include-secrets`).
    public var secret: Secret?
    public var interval: Int
    public var manufacturer: String
    public var model: String
    public var hash: HashAlgorithm
    public var digits: Int

    public init(upn: String?, serial: String, secret: Secret?, interval: Int, manufacturer: String, model: String,
                hash: HashAlgorithm, digits: Int) {
        self.upn = upn
        self.serial = serial
        self.secret = secret
        self.interval = interval
        self.manufacturer = manufacturer
        self.model = model
        self.hash = hash
        self.digits = digits
    }

    public init(_ token: ValidToken) {
        self.init(upn: token.upn, serial: token.serial, secret: token.secret, interval: token.interval,
                  manufacturer: token.manufacturer, model: token.model, hash: token.hash, digits: token.digits)
    }
}

/// Formats oathctl writes.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// The Microsoft Entra upload CSV.
    case entraCSV = "entra-csv"
    /// The body of a Microsoft Graph bulk create of hardware OATH devices.
    case graphJSON = "graph-json"
    /// RFC 6030 PSKC with plain values.
    case pskc
}

/// Writes tokens to a file created 0600 (it may hold secrets), one at a time.
public protocol TokenWriter: AnyObject {
    /// Why this format cannot carry the token as it is (a setting it would lose), or nil.
    func refusal(for token: ExportToken) -> String?
    func write(_ token: ExportToken) throws
    /// Finishes the document and puts the file in place.
    func close() throws
    /// Drops the file: nothing is written at the target.
    func discard()
}

extension TokenWriter {
    public func refusal(for token: ExportToken) -> String? { nil }
}

extension ExportFormat {
    /// A writer of this format at `path`, created 0600 (truncating an existing file).
    public func writer(path: String, crlf: Bool = false) throws -> TokenWriter {
        let file = try CSVWriter(path: path, permissions: 0o600, lineEnding: crlf ? "\r\n" : "\n")
        switch self {
        case .entraCSV: return try EntraCSVWriter(file: file)
        case .graphJSON: return GraphJSONWriter(file: file)
        case .pskc: return try PSKCWriter(file: file)
        }
    }
}
