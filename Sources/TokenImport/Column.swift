/// The columns a token file may carry, with the header spellings seen in the wild.
public enum Column: String, CaseIterable, Sendable {
    case upn
    case serial = "serial number"
    case secret = "secret key"
    case interval = "time interval"
    case manufacturer
    case model
    case hash
    case digits

    /// The columns of the upload format, in its order.
    public static let uploadOrder: [Column] = [.upn, .serial, .secret, .interval, .manufacturer, .model]

    /// Columns a file must have. `upn` is optional (an inventory file assigns no one) except with `--entra`.
    public static func required(entra: Bool) -> [Column] {
        entra ? uploadOrder : [.serial, .secret, .interval, .manufacturer, .model]
    }

    /// Header names after folding (lowercase, no spaces, `_` or `-`).
    static let spellings: [String: Column] = [
        "upn": .upn, "userprincipalname": .upn,
        "serialnumber": .serial, "serial": .serial, "serialno": .serial,
        "secretkey": .secret, "secret": .secret,
        "timeinterval": .interval, "interval": .interval, "timeintervalinseconds": .interval,
        "manufacturer": .manufacturer,
        "model": .model,
        "hash": .hash, "hashfunction": .hash, "algorithm": .hash,
        "digits": .digits,
    ]

    /// Folds a header cell: case-insensitive, ignoring spaces, `_` and `-`.
    public static func fold(_ name: some StringProtocol) -> String {
        String(name.lowercased().unicodeScalars.filter { $0 != " " && $0 != "_" && $0 != "-" && $0 != "\t" })
    }

    /// The column a header cell names, if any.
    public init?(header: some StringProtocol) {
        guard let column = Column.spellings[Column.fold(header)] else { return nil }
        self = column
    }
}
