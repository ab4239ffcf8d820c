import Foundation
import OATHCore

/// `{"value": [...]}` for a Microsoft Graph bulk create of hardware OATH devices, one object per token.
final class GraphJSONWriter: TokenWriter {
    private let file: CSVWriter
    private var count = 0
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// One device as Graph names its properties.
    private struct Device: Encodable {
        struct Assignee: Encodable { var id: String }
        var serialNumber: String
        var manufacturer: String
        var model: String
        var secretKey: String?
        var timeIntervalInSeconds: Int
        var hashFunction: String
        var assignTo: Assignee?
    }

    init(file: CSVWriter) { self.file = file }

    func write(_ token: ExportToken) throws {
        let device = Device(serialNumber: token.serial, manufacturer: token.manufacturer, model: token.model,
                            secretKey: token.secret.map { Base32.encode($0.bytes) }, timeIntervalInSeconds: token.interval,
                            hashFunction: "hmac" + token.hash.rawValue, assignTo: token.upn.map { Device.Assignee(id: $0) })
        let json = String(decoding: try encoder.encode(device), as: UTF8.self)
        try file.writeRaw((count == 0 ? "{\"value\":[" : ",") + file.lineEnding + "  " + json)
        count += 1
    }

    /// Graph's `hardwareOathTokenAuthenticationMethodDevice` takes HMAC-SHA-1 or SHA-256 and six digits.
    func refusal(for token: ExportToken) -> String? {
        if token.hash == .sha512 {
            return "token \(token.serial) uses SHA512; Microsoft Graph's hashFunction takes hmacsha1 or hmacsha256 only"
        }
        if token.digits != 6 {
            return "token \(token.serial) shows \(token.digits) digits; Entra takes 6-digit hardware tokens only"
        }
        return nil
    }

    func discard() { file.discard() }

    func close() throws {
        try file.writeRaw((count == 0 ? "{\"value\":[" : file.lineEnding) + "]}" + file.lineEnding)
        try file.close()
    }
}
