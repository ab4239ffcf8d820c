/// How to read a token file: what the command line's options and the API's query parameters
/// say (format, rules, encoding, delimiter, column names, defaults, PSKC keys), turned into the
/// input and validator of a pass in one place.
public struct ReadingSettings: Sendable {
    public var format: InputFormat = .auto
    /// Check exactly as the Microsoft Entra upload would.
    public var entra = false
    public var secretEncoding: SecretEncoding = .base32
    public var delimiter = UInt8(ascii: ",")
    /// Folded column names a file uses for upload-format columns (`--map`).
    public var columnAliases: [String: Column] = [:]
    /// Serial -> UPN for rows without a user (`--upn-map`).
    public var upnMap: [String: String] = [:]
    /// Defaults for rows or key packages that name none.
    public var manufacturer: String?
    public var model: String?
    public var pskcKeys = PSKCKeys()

    public init() {}

    /// The delimiter as the options name it (`,`, `;`, `tab`), or nil for anything else.
    public static func delimiter(named name: String) -> UInt8? {
        switch name {
        case ",": UInt8(ascii: ",")
        case ";": UInt8(ascii: ";")
        case "tab", "\t": 0x09
        default: nil
        }
    }

    /// A validator with these rules (the store view and method limit are the caller's).
    public func validator() -> FileValidator {
        var rules = RowRules(entra: entra, secretEncoding: secretEncoding, upnMap: upnMap)
        rules.defaultManufacturer = manufacturer ?? ""
        rules.defaultModel = model ?? ""
        return FileValidator(rules: rules, delimiter: delimiter, columnAliases: columnAliases)
    }

    /// The file at `path` in the format asked for, or told by its content (`auto`).
    public func input(path: String) throws(ByteSourceError) -> TokenInput {
        let format = format == .auto ? try TokenInput.detectFormat(path: path) : format
        return switch format {
        case .auto, .csv: .csv(path: path)
        case .oathCSV: .oathCSV(path: path)
        case .safewordDAT: .safewordDAT(path: path)
        case .pskc: .pskc(path: path, keys: pskcKeys)
        }
    }
}
