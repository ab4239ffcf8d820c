import Testing
@testable import TokenImport

/// What is refused before FoundationXML sees it (both crash it), whatever the read sizes.
@Suite struct XMLPreCheckTests {
    func problem(_ text: [UInt8], chunk: Int) throws -> (line: Int, message: String)? {
        var source = MemoryByteSource(text, chunkSize: chunk)
        return try XMLPreCheck.firstProblem(&source)
    }

    @Test(arguments: [1, 2, 3, 7, 4096])
    func declarationAtTheStartIsAllowed(chunk: Int) throws {
        #expect(try problem(Array("<?xml version=\"1.0\"?>\n<KeyContainer/>\n".utf8), chunk: chunk) == nil)
        #expect(try problem([0xEF, 0xBB, 0xBF] + Array("<?xml version=\"1.0\"?><KeyContainer/>".utf8), chunk: chunk) == nil)
        #expect(try problem(Array("<KeyContainer>a < b ? c</KeyContainer>".utf8), chunk: chunk) == nil)
    }

    @Test(arguments: [1, 2, 3, 7, 4096])
    func processingInstructionsAreRefusedOnTheirLine(chunk: Int) throws {
        let cases: [(String, Int)] = [
            ("<?xml version=\"1.0\"?>\n<KeyContainer>\n<?pi?>\n</KeyContainer>", 3),
            ("<?xml:params:xml:ns:keyprmlns?>\n<KeyContainer/>", 1), // the fuzzer's input: not a declaration
            ("<KeyContainer><?target data?></KeyContainer>", 1),
        ]
        for (text, line) in cases {
            let found = try problem(Array(text.utf8), chunk: chunk)
            #expect(found?.line == line, "\(text)")
            #expect(found?.message.contains("processing instruction") == true)
        }
    }

    /// White space before the declaration is not a processing instruction (vendors' files have it).
    @Test(arguments: [1, 2, 3, 7, 4096])
    func whiteSpaceBeforeTheDeclarationIsAllowed(chunk: Int) throws {
        #expect(try problem(Array("\n  \r\n<?xml version=\"1.0\"?>\n<KeyContainer/>".utf8), chunk: chunk) == nil)
        #expect(try problem(Array("\n<?xml version=\"1.0\"?>\n<?pi?><KeyContainer/>".utf8), chunk: chunk)?.line == 3)
    }

    @Test(arguments: [1, 2, 3, 7, 4096])
    func invalidUTF8IsRefusedOnItsLine(chunk: Int) throws {
        let text = Array("<?xml version=\"1.0\"?>\n<KeyContainer>\n<!-- ".utf8) + [0xC3, 0x28] + Array(" -->\n</KeyContainer>".utf8)
        let found = try problem(text, chunk: chunk)
        #expect(found?.line == 3 && found?.message.contains("not UTF-8") == true)
        #expect(try problem(Array("<KeyContainer>é</KeyContainer>".utf8), chunk: chunk) == nil)
    }
}
