import Foundation
import OATHCore
import Testing
@testable import TokenImport

/// Issue 13, point 8: what vendors' PSKC files do that the RFC's figures do not.
@Suite struct PSKCDialectTests {
    static let seed = Data("12345678901234567890".utf8).base64EncodedString()

    func read(_ xml: String) throws -> Outcome {
        var findings: [Finding] = [], accepted: [ValidToken] = []
        var handlers = FileValidator.Handlers { findings.append($0) }
        handlers.accepted = { accepted.append($0) }
        let summary = try FileValidator().runPSKC(data: Data(xml.utf8), keys: PSKCKeys(), handlers: handlers)
        return Outcome(summary: summary, findings: findings, accepted: accepted, rejectedLines: [])
    }

    func container(_ packages: String) -> String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\">\n\(packages)</KeyContainer>\n"
    }

    func package(manufacturer: String = "Acme", secret: String = seed) -> String {
        "<KeyPackage><DeviceInfo><Manufacturer>\(manufacturer)</Manufacturer><SerialNo>D1</SerialNo><Model>M</Model></DeviceInfo>"
            + "<Key Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:totp\"><Data><Secret><PlainValue>\(secret)</PlainValue></Secret></Data></Key></KeyPackage>\n"
    }

    @Test func cdataIsText() throws {
        let outcome = try read(container(package(manufacturer: "<![CDATA[Acme & Sons]]>")))
        #expect(outcome.accepted.first?.manufacturer == "Acme & Sons")
    }

    @Test func whiteSpaceBeforeTheDeclarationIsRead() throws {
        let outcome = try read("\n  \r\n" + container(package()))
        #expect(outcome.accepted.map(\.serial) == ["D1"] && outcome.findings.isEmpty)
    }

    /// A character outside Base64 is an error, never dropped (the seed would silently change).
    @Test(arguments: ["MTIz!NDU2Nzg5MDEyMzQ1Njc4OTA=", "MTIzNDU2Nzg5MDEyMzQ1Njc4OTA=x", "MTIz-NDU2Nzg5MDEyMzQ1Njc4OTA="])
    func base64IsReadStrictly(secret: String) throws {
        let outcome = try read(container(package(secret: secret)))
        #expect(outcome.accepted.isEmpty && outcome.codes == [.secretEncodingInvalid])
    }

    @Test func base64MayBeWrapped() throws {
        let wrapped = String(Self.seed.prefix(12)) + "\n      " + String(Self.seed.dropFirst(12))
        #expect(try read(container(package(secret: wrapped))).accepted.first?.secret.bytes == Array("12345678901234567890".utf8))
    }

    /// The pre-RFC draft namespace holds keys in `Device` and names the algorithm in `KeyAlgorithm`.
    @Test func preRFCDraftNamespace() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc:1.0">
              <Device><DeviceInfo><Manufacturer>Acme</Manufacturer><SerialNo>987654323</SerialNo><Model>F</Model></DeviceInfo>
                <Key KeyAlgorithm="urn:ietf:params:xml:ns:keyprov:pskc#totp" KeyId="987654323">
                  <Usage OTP="true"><ResponseFormat Length="8" Format="DECIMAL"/></Usage>
                  <Data><Secret><PlainValue>\(Self.seed)</PlainValue></Secret><TimeInterval><PlainValue>60</PlainValue></TimeInterval></Data>
                </Key></Device>
              <Device><DeviceInfo><SerialNo>H1</SerialNo></DeviceInfo><Key KeyAlgorithm="http://www.ietf.org/keyprov/pskc#hotp"/></Device>
            </KeyContainer>
            """
        let outcome = try read(xml)
        let token = try #require(outcome.accepted.first)
        #expect(token.serial == "987654323" && token.digits == 8 && token.interval == 60)
        #expect(outcome.codes == [.algorithmUnsupported])
    }
}
