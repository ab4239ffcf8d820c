import Testing
@testable import TokenImport

@Suite struct RowRulesTests {
    @Test func cleanRowIsAccepted() throws {
        let outcome = try validate(uploadFile([row("helga@contoso.com", "1234567", interval: 60)]))
        #expect(outcome.findings.isEmpty)
        #expect(outcome.summary == {
            var s = ValidationSummary()
            s.rowsRead = 1
            s.accepted = 1
            return s
        }())
        let token = try #require(outcome.accepted.first)
        #expect(token.upn == "helga@contoso.com" && token.serial == "1234567" && token.interval == 60)
        #expect(token.secret.bytes == Array(seedBytes(for: "1234567")))
    }

    @Test(arguments: [
        ("a@contoso.com,1,\(goodSecret),45,Contoso,Key", FindingCode.intervalInvalid, "time interval"),
        ("a@contoso.com,1,\(goodSecret),,Contoso,Key", .intervalInvalid, "time interval"),
        ("a@contoso.com,,\(goodSecret),30,Contoso,Key", .serialMissing, "serial number"),
        ("a@contoso.com,1,,30,Contoso,Key", .secretMissing, "secret key"),
        ("a@contoso.com,1,1234567abcdef1234567abcdef,30,Contoso,Key", .secretNotBase32, "secret key"),
        ("a@contoso.com,1,\(String(repeating: "A", count: 136)),30,Contoso,Key", .secretTooLong, "secret key"),
        ("a@contoso.com,1,\(goodSecret),30,,Key", .manufacturerMissing, "manufacturer"),
        ("a@contoso.com,1,\(goodSecret),30,Contoso,", .modelMissing, "model"),
        ("a@contoso,1,\(goodSecret),30,Contoso,Key", .upnInvalid, "upn"),
        ("a b@contoso.com,1,\(goodSecret),30,Contoso,Key", .upnInvalid, "upn"),
        ("a@b@contoso.com,1,\(goodSecret),30,Contoso,Key", .upnInvalid, "upn"),
        ("a@contoso.com,\(String(repeating: "9", count: 65)),\(goodSecret),30,Contoso,Key", .serialInvalid, "serial number"),
        ("a@contoso.com,1,\(goodSecret),30,Contoso", .fieldCount, ""),
        ("a@contoso.com,1,\(goodSecret),30,Contoso,Key,extra", .fieldCount, ""),
    ])
    func eachRowError(line: String, code: FindingCode, field: String) throws {
        let outcome = try validate(uploadFile([line]))
        #expect(outcome.codes == [code])
        #expect(outcome.findings.first?.field == field)
        #expect(outcome.findings.first?.line == 2)
        #expect(outcome.summary.rejected == 1 && outcome.accepted.isEmpty)
        #expect(outcome.summary.exitStatus == 1)
    }

    @Test func everyFindingOfARowIsReported() throws {
        let outcome = try validate(uploadFile(["bad upn,,1234567abcdef1234567abcdef,45,,"]))
        #expect(outcome.codes == [.upnInvalid, .serialMissing, .secretNotBase32, .intervalInvalid, .manufacturerMissing, .modelMissing])
    }

    @Test func hexSeedGetsAHint() throws {
        let outcome = try validate(uploadFile(["a@contoso.com,1,1234567abcdef1234567abcdef,30,Contoso,Key"]))
        let message = try #require(outcome.findings.first?.message)
        #expect(message.contains("position 1"))
        #expect(message.contains("hex"))
    }

    @Test func weakSecretIsAWarningAndTheRowIsKept() throws {
        let outcome = try validate(uploadFile(["a@contoso.com,1,GEZDGNBVGY3TQOJQ,30,Contoso,Key"]))
        #expect(outcome.codes == [.secretWeak])
        #expect(outcome.accepted.count == 1)
        #expect(outcome.summary.warnings == 1 && outcome.summary.exitStatus == 0)
    }

    @Test func emptyUPNIsInventoryUnlessEntra() throws {
        let inventory = try validate(uploadFile([row("", "1")]))
        #expect(inventory.findings.isEmpty)
        #expect(inventory.accepted.first?.upn == nil)
        let entra = try validate(uploadFile([row("", "1")]), entra: true)
        #expect(entra.codes == [.upnMissing])
    }

    @Test func hashAndDigitsColumns() throws {
        let header = uploadHeader + ",hash,digits"
        let text = [header, row("a@contoso.com", "1") + ",sha256,8", row("b@contoso.com", "2") + ",md5,7",
                     row("c@contoso.com", "3") + ",,"].joined(separator: "\n")
        let outcome = try validate(text)
        #expect(outcome.codes(line: 3) == [.hashInvalid, .digitsInvalid])
        #expect(outcome.accepted.map(\.digits) == [8, 6])
        #expect(outcome.accepted.map(\.hash) == [.sha256, .sha1])
        let entra = try validate(text, entra: true)
        #expect(entra.codes(line: 2) == [.hashInvalid, .digitsInvalid])
    }

    @Test func trimmingCaseAndEscapedQuotesInUPN() throws {
        let outcome = try validate(uploadFile(["  my''user@Contoso.com , 42 , \(goodSecret.lowercased()) , 30 , Contoso , Key "]))
        #expect(outcome.findings.isEmpty)
        #expect(outcome.accepted.first?.upn == "my'user@Contoso.com")
        #expect(outcome.accepted.first?.userKey == "my'user@contoso.com")
        #expect(outcome.accepted.first?.serial == "42")
    }

    @Test func invalidUTF8AndNulAreRowFindings() throws {
        var bytes = Array(uploadFile([row("a@contoso.com", "1")]).utf8)
        bytes += Array("b@contoso.com,2,\(goodSecret),30,Contoso,Ke".utf8) + [0xFF] + Array("y\n".utf8)
        bytes += Array("c@contoso.com,3,\(goodSecret),30,Con".utf8) + [0] + Array("toso,Key\n".utf8)
        var findings: [Finding] = []
        let summary = try FileValidator().run(source: MemoryByteSource(bytes), handlers: .init { findings.append($0) })
        #expect(findings.map(\.code) == [.encodingInvalid, .encodingInvalid])
        #expect(findings.map(\.line) == [3, 4])
        #expect(summary.accepted == 1 && summary.rejected == 2)
    }

    /// Issue 13, point 14: manufacturer and model reach the terminal, so no control or invisible character.
    @Test func manufacturerAndModelArePrintable() throws {
        let outcome = try validate(uploadFile(["a@contoso.com,S1,\(seed(for: "S1")),30,Con\u{1B}[2Jtoso,Key",
                                                "b@contoso.com,S2,\(seed(for: "S2")),30,Contoso,Ke\u{202E}y",
                                                "c@contoso.com,S3,\(seed(for: "S3")),30,Contoso,\(String(repeating: "k", count: 65))"]))
        #expect(outcome.codes == [.manufacturerInvalid, .modelInvalid, .modelInvalid])
        #expect(outcome.findings[0].message.contains("(U+001B) at character 4"))
    }
}
