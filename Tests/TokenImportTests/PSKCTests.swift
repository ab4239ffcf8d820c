import Foundation
import OATHCore
import Testing
@testable import TokenImport

/// PSKC (RFC 6030): the RFC's own figures, an encrypted container built here with OpenSSL's command line, and a large one.
@Suite struct PSKCTests {
    static let figures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("RFC6030")
    static let rfcSecret = Array("12345678901234567890".utf8)

    /// Validates a PSKC file; returns the outcome in the helpers' shape.
    func run(_ path: String, keys: PSKCKeys = PSKCKeys(), entra: Bool = false) throws -> Outcome {
        var findings: [Finding] = [], accepted: [ValidToken] = []
        var handlers = FileValidator.Handlers { findings.append($0) }
        handlers.accepted = { accepted.append($0) }
        let summary = try FileValidator(rules: RowRules(entra: entra)).runPSKC(path: path, keys: keys, handlers: handlers)
        return Outcome(summary: summary, findings: findings, accepted: accepted, rejectedLines: [])
    }

    /// Parses a figure and returns its packages and container.
    func packages(_ figure: Int) throws -> [(PSKCKeyPackage, PSKCContainer)] {
        var out: [(PSKCKeyPackage, PSKCContainer)] = []
        try PSKCParser { out.append(($0, $1)) }.parse(path: Self.figures.appendingPathComponent("figure\(figure).xml").path)
        return out
    }

    @Test func figuresTwoToFiveAreHOTPAndRejectedWithAFinding() throws {
        for (figure, count) in [(2, 1), (3, 1), (4, 1), (5, 2)] {
            let outcome = try run(Self.figures.appendingPathComponent("figure\(figure).xml").path)
            #expect(outcome.codes == Array(repeating: .algorithmUnsupported, count: count), "figure \(figure)")
            #expect(outcome.summary.rejected == count && outcome.summary.exitStatus == 1)
        }
    }

    @Test func figureThreeFieldsAndPlainSecret() throws {
        let (package, container) = try #require(try packages(3).first)
        #expect(package.serial == "987654321" && package.manufacturer == "Manufacturer" && package.digits == "8")
        #expect(package.keyAlgorithm == PSKCNames.hotp)
        #expect(try PSKCPackageReader(keys: PSKCKeys()).secretBytes(package, container: container).get() == Self.rfcSecret)
    }

    @Test func figureSixDecryptsWithThePreSharedKeyAndChecksTheMAC() throws {
        let (package, container) = try #require(try packages(6).first)
        let psk = try Hex.decode(utf8: Array("12345678901234567890123456789012".utf8))
        #expect(try PSKCPackageReader(keys: PSKCKeys(preSharedKey: psk)).secretBytes(package, container: container).get() == Self.rfcSecret)
        var wrong = psk
        wrong[0] ^= 1
        let refused = PSKCPackageReader(keys: PSKCKeys(preSharedKey: wrong)).secretBytes(package, container: container)
        #expect(throws: RecordRejection.self) { try refused.get() }
        if case let .failure(rejection) = refused { #expect(rejection.findings.map(\.code) == [.macInvalid]) }
        var md5 = container
        md5.macHash = nil
        md5.macAlgorithm = "http://www.w3.org/2001/04/xmldsig-more#hmac-md5"
        if case let .failure(rejection) = PSKCPackageReader(keys: PSKCKeys(preSharedKey: psk)).secretBytes(package, container: md5) {
            #expect(rejection.findings.first?.message.contains("hmac-md5") == true)
        } else { Issue.record("an unsupported MAC algorithm was accepted") }
        let noKey = PSKCPackageReader(keys: PSKCKeys()).secretBytes(package, container: container)
        if case let .failure(rejection) = noKey { #expect(rejection.findings.map(\.code) == [.decryptionFailed]) } else { Issue.record("decrypted without a key") }
    }

    @Test func figureSevenDerivesTheKeyFromThePassword() throws {
        let (package, container) = try #require(try packages(7).first)
        let derivation = try #require(container.derivation)
        let key = PSKCCrypto.pbkdf2(password: Array("qwerty".utf8), salt: derivation.salt, iterations: derivation.iterations,
                                    keyLength: derivation.keyLength, hash: derivation.hash)
        #expect(key.map(Hex.encode) == "651e63cd57008476af1ff6422cd02e41")
        let reader = PSKCPackageReader(keys: PSKCKeys(password: Array("qwerty".utf8)))
        #expect(try reader.secretBytes(package, container: container).get() == Self.rfcSecret)
        let wrong = PSKCPackageReader(keys: PSKCKeys(password: Array("qwertz".utf8))).secretBytes(package, container: container)
        if case let .failure(rejection) = wrong { #expect(rejection.findings.map(\.code) == [.macInvalid]) } else { Issue.record("wrong password accepted") }
    }

    /// An encrypted TOTP container made with `openssl enc` and `openssl dgst -mac HMAC`, independent of oathctl's code.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl") || Prerequisite.required, "/usr/bin/openssl is missing"))
    func encryptedTOTPContainerBuiltWithOpenSSL() throws {
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl"), "/usr/bin/openssl is missing")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pskc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let psk = "000102030405060708090a0b0c0d0e0f", iv1 = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf", iv2 = "b0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
        let macKey = "1122334455667788990011223344556677889900"
        func enc(_ plainHex: String, iv: String) throws -> String {
            let input = dir.appendingPathComponent("in-\(iv)")
            try Data(try Hex.decode(utf8: Array(plainHex.utf8))).write(to: input)
            let cipher = try shell(["/usr/bin/openssl", "enc", "-aes-128-cbc", "-K", psk, "-iv", iv, "-in", input.path])
            return iv + Hex.encode(Array(cipher))
        }
        let secretCipherHex = try enc(Hex.encode(Self.rfcSecret), iv: iv1)
        let macKeyCipherHex = try enc(macKey, iv: iv2)
        let cipherFile = dir.appendingPathComponent("cipher")
        try Data(try Hex.decode(utf8: Array(secretCipherHex.utf8))).write(to: cipherFile)
        let macLine = String(decoding: try shell(["/usr/bin/openssl", "dgst", "-sha1", "-mac", "HMAC", "-macopt", "hexkey:\(macKey)", "-r", cipherFile.path]), as: UTF8.self)
        let macHex = String(macLine.prefix(40))
        func b64(_ hex: String) throws -> String { Data(try Hex.decode(utf8: Array(hex.utf8))).base64EncodedString() }
        func container(mac: String) throws -> String {
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <KeyContainer Version="1.0" xmlns="urn:ietf:params:xml:ns:keyprov:pskc" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" xmlns:xenc="http://www.w3.org/2001/04/xmlenc#">
              <EncryptionKey><ds:KeyName>Pre-shared-key</ds:KeyName></EncryptionKey>
              <MACMethod Algorithm="http://www.w3.org/2000/09/xmldsig#hmac-sha1"><MACKey>
                <xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
                <xenc:CipherData><xenc:CipherValue>\(try b64(macKeyCipherHex))</xenc:CipherValue></xenc:CipherData>
              </MACKey></MACMethod>
              <KeyPackage>
                <DeviceInfo><Manufacturer>Feitian</Manufacturer><SerialNo>FT-1</SerialNo><Model>c200</Model></DeviceInfo>
                <Key Id="FT-1" Algorithm="urn:ietf:params:xml:ns:keyprov:pskc:totp">
                  <AlgorithmParameters><ResponseFormat Length="6" Encoding="DECIMAL"/></AlgorithmParameters>
                  <Data>
                    <Secret><EncryptedValue>
                      <xenc:EncryptionMethod Algorithm="http://www.w3.org/2001/04/xmlenc#aes128-cbc"/>
                      <xenc:CipherData><xenc:CipherValue>\(try b64(secretCipherHex))</xenc:CipherValue></xenc:CipherData>
                    </EncryptedValue><ValueMAC>\(try b64(mac))</ValueMAC></Secret>
                    <TimeInterval><PlainValue>60</PlainValue></TimeInterval>
                  </Data>
                </Key>
              </KeyPackage>
            </KeyContainer>
            """
        }
        let good = dir.appendingPathComponent("good.xml")
        try Data(try container(mac: macHex).utf8).write(to: good)
        let keys = PSKCKeys(preSharedKey: try Hex.decode(utf8: Array(psk.utf8)))
        let outcome = try run(good.path, keys: keys)
        #expect(outcome.findings.isEmpty)
        let token = try #require(outcome.accepted.first)
        #expect(token.serial == "FT-1" && token.interval == 60 && token.model == "c200" && token.digits == 6)
        #expect(token.secret.bytes == Self.rfcSecret)

        let tampered = dir.appendingPathComponent("tampered.xml")
        let flipped = String(macHex.dropLast()) + (macHex.last == "0" ? "1" : "0")
        try Data(try container(mac: flipped).utf8).write(to: tampered)
        #expect(try run(tampered.path, keys: keys).codes == [.macInvalid])
        #expect(try run(tampered.path, keys: PSKCKeys(preSharedKey: keys.preSharedKey, checkMAC: false)).accepted.count == 1)
    }

    @Test func tenThousandPackagesStream() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("big-\(UUID().uuidString).xml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var xml = "<?xml version=\"1.0\"?>\n<KeyContainer Version=\"1.0\" xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\">\n"
        for i in 0..<10_000 {
            let secret = Data(Array("pskc-seed-\(i)-".utf8) + Array(repeating: UInt8(i % 251), count: 8)).base64EncodedString()
            xml += "<KeyPackage><DeviceInfo><Manufacturer>M</Manufacturer><SerialNo>S\(i)</SerialNo><Model>X</Model></DeviceInfo>"
                + "<Key Algorithm=\"urn:ietf:params:xml:ns:keyprov:pskc:totp\"><Data><Secret><PlainValue>\(secret)</PlainValue></Secret></Data></Key></KeyPackage>\n"
        }
        xml += "</KeyContainer>\n"
        try Data(xml.utf8).write(to: URL(fileURLWithPath: path))
        let outcome = try run(path)
        #expect(outcome.summary.accepted == 10_000 && outcome.findings.isEmpty)
        #expect(outcome.accepted.last?.serial == "S9999")
    }

    @Test func brokenAndForeignXMLAreFindingsNotCrashes() throws {
        let dir = FileManager.default.temporaryDirectory
        for (name, text) in [("cut", "<KeyContainer xmlns=\"urn:ietf:params:xml:ns:keyprov:pskc\"><KeyPackage>"),
                             ("foreign", "<html><body/></html>"), ("empty", "")] {
            let path = dir.appendingPathComponent("pskc-\(name)-\(UUID().uuidString).xml").path
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let outcome = try run(path)
            #expect(outcome.summary.fileUnusable, "\(name)")
            #expect(outcome.codes.first == .pskcMalformed || outcome.codes.first == .fileEmpty, "\(name)")
        }
    }

    private func shell(_ arguments: [String]) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return data
    }
}
