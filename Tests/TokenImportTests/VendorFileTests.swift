import Foundation
import OATHCore
import Testing
@testable import TokenImport

/// Vendor CSVs: secret encodings, delimiters, column names, user maps; and the writers.
@Suite struct VendorFileTests {
    static let seed = Array("12345678901234567890".utf8)

    func validateWith(_ text: String, encoding: SecretEncoding, delimiter: UInt8 = UInt8(ascii: ","),
                      aliases: [String: Column] = [:], upnMap: [String: String] = [:]) throws -> Outcome {
        var findings: [Finding] = [], accepted: [ValidToken] = []
        var handlers = FileValidator.Handlers { findings.append($0) }
        handlers.accepted = { accepted.append($0) }
        let validator = FileValidator(rules: RowRules(secretEncoding: encoding, upnMap: upnMap), delimiter: delimiter, columnAliases: aliases)
        let summary = try validator.run(source: MemoryByteSource(text), handlers: handlers)
        return Outcome(summary: summary, findings: findings, accepted: accepted, rejectedLines: [])
    }

    @Test func hexBase64AndBase32OfOneKeyAreOneSecret() throws {
        let forms: [(SecretEncoding, String)] = [(.hex, Hex.encode(Self.seed)), (.base64, Data(Self.seed).base64EncodedString()),
                                                 (.base32, Base32.encode(Self.seed)), (.auto, Hex.encode(Self.seed)),
                                                 (.auto, Base32.encode(Self.seed))]
        for (encoding, text) in forms {
            let outcome = try validateWith(uploadFile(["a@contoso.com,1,\(text),30,C,M"]), encoding: encoding)
            #expect(outcome.accepted.first?.secret.bytes == Self.seed, "\(encoding) \(text)")
            let key = HMACKey(secret: outcome.accepted.first!.secret)
            #expect(OTP.format(OTP.totp(key: key, at: 59, digits: 8), digits: 8) == "94287082")
        }
    }

    @Test func autoSaysOnceThatItReadHexAndRefusesAmbiguousSeeds() throws {
        let rows = ["a@contoso.com,1,\(Hex.encode(Self.seed)),30,C,M", "a@contoso.com,2,\(Hex.encode(Array(Self.seed.reversed()))),30,C,M",
                    "a@contoso.com,3,abcdef234567abcdef234567abcdef23,30,C,M"]
        let outcome = try validateWith(uploadFile(rows), encoding: .auto)
        #expect(outcome.codes == [.secretEncodingDetected, .secretEncodingInvalid])
        #expect(outcome.accepted.count == 2)
    }

    @Test func badHexAndBase64AndOverlongHex() throws {
        #expect(try validateWith(uploadFile(["a@contoso.com,1,abc,30,C,M"]), encoding: .hex).codes == [.secretEncodingInvalid])
        #expect(try validateWith(uploadFile(["a@contoso.com,1,!!!!,30,C,M"]), encoding: .base64).codes == [.secretEncodingInvalid])
        let long = String(repeating: "ab", count: 81)
        #expect(try validateWith(uploadFile(["a@contoso.com,1,\(long),30,C,M"]), encoding: .hex).codes == [.secretTooLong])
    }

    @Test func semicolonFileWithItsOwnHeadersAndAUserMap() throws {
        let text = "Token SN;Seed;Period;Vendor;Type\nHX1;\(Hex.encode(Self.seed));60;Yubico;Key\nHX2;\(Hex.encode(Self.seed.reversed()));30;Yubico;Key\n"
        let aliases: [String: Column] = ["tokensn": .serial, "seed": .secret, "period": .interval, "vendor": .manufacturer, "type": .model]
        let outcome = try validateWith(text, encoding: .hex, delimiter: UInt8(ascii: ";"), aliases: aliases, upnMap: ["hx1": "helga@contoso.com"])
        #expect(outcome.findings.isEmpty)
        // The map's serial is matched without case, as every serial is.
        #expect(outcome.accepted.map(\.upn) == ["helga@contoso.com", nil])
        #expect(outcome.accepted.map(\.interval) == [60, 30])
    }

    @Test func writersProduceTheUploadFormatGraphJSONAndPSKCThatReadsBack() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("writers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let tokens = [ExportToken(upn: "helga@contoso.com", serial: "S<1>", secret: Secret(bytes: Self.seed), interval: 60,
                                  manufacturer: "Contoso, Inc.", model: "Key", hash: .sha1, digits: 6),
                      ExportToken(upn: nil, serial: "S2", secret: Secret(bytes: Array(Self.seed.reversed())), interval: 30,
                                  manufacturer: "C", model: "M", hash: .sha256, digits: 8)]
        func write(_ format: ExportFormat) throws -> String {
            let path = dir.appendingPathComponent(format.rawValue).path
            let writer = try format.writer(path: path)
            for token in tokens { try writer.write(token) }
            try writer.close()
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
            return path
        }
        let csv = try String(contentsOfFile: try write(.entraCSV), encoding: .utf8)
        #expect(csv == "upn,serial number,secret key,time interval,manufacturer,model\n"
            + "helga@contoso.com,S<1>,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,60,\"Contoso, Inc.\",Key\n"
            + ",S2,\(Base32.encode(Array(Self.seed.reversed()))),30,C,M\n")

        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: try write(.graphJSON)))) as! [String: Any]
        let devices = json["value"] as! [[String: Any]]
        #expect(devices.count == 2)
        #expect(devices[0]["serialNumber"] as? String == "S<1>" && devices[0]["timeIntervalInSeconds"] as? Int == 60)
        #expect(devices[0]["secretKey"] as? String == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        #expect((devices[0]["assignTo"] as? [String: String])?["id"] == "helga@contoso.com")
        #expect(devices[1]["hashFunction"] as? String == "hmacsha256" && devices[1]["assignTo"] == nil)

        var accepted: [ValidToken] = []
        var handlers = FileValidator.Handlers { Issue.record("unexpected finding \($0)") }
        handlers.accepted = { accepted.append($0) }
        _ = try FileValidator().runPSKC(path: try write(.pskc), keys: PSKCKeys(), handlers: handlers)
        #expect(accepted.map(\.serial) == ["S<1>", "S2"])
        #expect(accepted.map(\.secret.bytes) == tokens.map { $0.secret!.bytes })
        #expect(accepted.map(\.upn) == ["helga@contoso.com", nil])
        #expect(accepted.map(\.hash) == [.sha1, .sha256] && accepted.map(\.digits) == [6, 8] && accepted.map(\.interval) == [60, 30])
    }
}
