import OATHCore

/// The exact upload format: `upn,serial number,secret key,time interval,manufacturer,model`, Base32 without padding.
final class EntraCSVWriter: TokenWriter {
    private let file: CSVWriter

    init(file: CSVWriter) throws {
        self.file = file
        try file.write(Column.uploadOrder.map(\.rawValue))
    }

    func write(_ token: ExportToken) throws {
        try file.write([token.upn ?? "", token.serial, token.secret.map { Base32.encode($0.bytes) } ?? "", String(token.interval),
                        token.manufacturer, token.model])
    }

    /// The upload CSV has no hash or digits column: Entra registers every row as SHA-1 with six
    /// digits, so any other token would be loaded and then never accept a code.
    func refusal(for token: ExportToken) -> String? {
        if token.hash != .sha1 {
            return "token \(token.serial) uses \(token.hash.rawValue.uppercased()); the Entra CSV has no hash column and Entra would register it as SHA-1, so its codes would never match: use --to graph-json (SHA-256) or leave it out of Entra"
        }
        if token.digits != 6 {
            return "token \(token.serial) shows \(token.digits) digits; the Entra CSV has no digits column and Entra takes 6-digit tokens only"
        }
        return nil
    }

    func close() throws { try file.close() }

    func discard() { file.discard() }
}
