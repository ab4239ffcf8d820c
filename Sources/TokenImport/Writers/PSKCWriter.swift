import Foundation
import OATHCore

/// An RFC 6030 key container with one TOTP key package per token, secrets as plain values.
///
/// Plain values are what every PSKC reader accepts; the file is created 0600 and written only
/// on request (`--include-secrets`). Without a secret a package carries no `Data/Secret`.
final class PSKCWriter: TokenWriter {
    private let file: CSVWriter

    init(file: CSVWriter) throws {
        self.file = file
        try file.writeRaw("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\(file.lineEnding)<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\">\(file.lineEnding)")
    }

    func write(_ token: ExportToken) throws {
        var xml = "  <KeyPackage>\n    <DeviceInfo>\n"
        xml += "      <Manufacturer>\(escape(token.manufacturer))</Manufacturer>\n      <SerialNo>\(escape(token.serial))</SerialNo>\n"
        xml += "      <Model>\(escape(token.model))</Model>\n    </DeviceInfo>\n"
        xml += "    <Key Id=\"\(escape(token.serial))\" Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:totp\">\n"
        xml += "      <AlgorithmParameters>\n"
        if token.hash != .sha1 { xml += "        <Suite>HMAC-\(token.hash.rawValue.uppercased())</Suite>\n" }
        xml += "        <ResponseFormat Length=\"\(token.digits)\" Encoding=\"DECIMAL\"/>\n      </AlgorithmParameters>\n      <Data>\n"
        if let secret = token.secret {
            xml += "        <Secret><PlainValue>\(Data(secret.bytes).base64EncodedString())</PlainValue></Secret>\n"
        }
        xml += "        <TimeInterval><PlainValue>\(token.interval)</PlainValue></TimeInterval>\n      </Data>\n"
        if let upn = token.upn { xml += "      <UserId>\(escape(upn))</UserId>\n" }
        xml += "    </Key>\n  </KeyPackage>\n"
        try file.writeRaw(file.lineEnding == "\n" ? xml : xml.replacingOccurrences(of: "\n", with: file.lineEnding))
    }

    func close() throws {
        try file.writeRaw("</KeyContainer>\(file.lineEnding)")
        try file.close()
    }

    func discard() { file.discard() }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
