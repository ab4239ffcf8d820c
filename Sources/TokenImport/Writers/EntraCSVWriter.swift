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

    func close() throws { try file.close() }
}
