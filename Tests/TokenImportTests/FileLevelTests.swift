import Testing
@testable import TokenImport

@Suite struct FileLevelTests {
    @Test func headerVariantsInAnyOrder() throws {
        let text = "Model,SECRET,serial_number,Time-Interval,manufacturer,UPN\nKey,\(goodSecret),7,60,Contoso,a@contoso.com\n"
        let outcome = try validate(text)
        #expect(outcome.findings.isEmpty)
        #expect(outcome.accepted.first?.serial == "7")
        #expect(outcome.accepted.first?.interval == 60)
    }

    @Test func vendorShortHeaderWithoutUPN() throws {
        let outcome = try validate("serial,secret,interval,manufacturer,model\n7,\(goodSecret),30,Feitian,c200\n")
        #expect(outcome.accepted.first?.upn == nil)
        #expect(try validate("serial,secret,interval,manufacturer,model\n7,\(goodSecret),30,Feitian,c200\n", entra: true).codes == [.columnMissing])
    }

    @Test func unknownColumnIsAWarning() throws {
        let outcome = try validate(uploadHeader + ",color\n" + row("a@contoso.com", "1") + ",red\n")
        #expect(outcome.codes == [.columnUnknown])
        #expect(outcome.findings[0].line == 1)
        #expect(outcome.summary.exitStatus == 0)
    }

    @Test(arguments: [
        ("", FindingCode.fileEmpty),
        ("\n\n", .fileEmpty),
        (uploadHeader + "\n", .fileEmpty),
        ("a@contoso.com,1,\(goodSecret),30,Contoso,Key\n", .headerMissing),
        ("upn,serial number,secret key,manufacturer,model\na,1,x,Contoso,Key\n", .columnMissing),
        ("upn,serial,serial number,secret key,time interval,manufacturer,model\n", .columnMissing),
    ])
    func unusableFiles(text: String, code: FindingCode) throws {
        let outcome = try validate(text)
        #expect(outcome.codes == [code])
        #expect(outcome.summary.fileUnusable)
        #expect(outcome.summary.exitStatus == 2)
    }

    @Test func utf16FileIsUnusable() throws {
        var findings: [Finding] = []
        let summary = try FileValidator().run(source: MemoryByteSource([0xFF, 0xFE, 0x75, 0x00]), handlers: .init { findings.append($0) })
        #expect(findings.map(\.code) == [.encodingInvalid])
        #expect(summary.exitStatus == 2)
    }

    @Test func unterminatedQuoteRejectsItsRecordAndKeepsEarlierRows() throws {
        let outcome = try validate(uploadFile([row("a@contoso.com", "1"), "b@contoso.com,2,\"\(goodSecret),30,Contoso,Key", row("c@contoso.com", "3")]))
        #expect(outcome.accepted.map(\.serial) == ["1"])
        #expect(outcome.codes == [.csvMalformed])
        #expect(outcome.findings[0].line == 3)
        #expect(outcome.findings[0].message.contains("never closed"))
    }

    @Test func lineNumbersCountPhysicalLines() throws {
        let text = uploadHeader + ",notes\n" + row("a@contoso.com", "1") + ",\"two\nlines\"\n\n" + "b@contoso.com,2,\(goodSecret),45,Contoso,Key,x\n"
        let outcome = try validate(text)
        #expect(outcome.findings.filter { $0.code == .intervalInvalid }.map(\.line) == [5])
    }
}
