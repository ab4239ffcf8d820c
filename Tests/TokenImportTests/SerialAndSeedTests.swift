import OATHCore
import Testing
@testable import TokenImport
import TokenDomain

/// Issue 13, points 4 and 5: serials that look alike are refused, serials compare without case,
/// and one seed under two serials is found in the file and in the store.
@Suite struct SerialAndSeedTests {
    /// Look-alikes of carol's `100006`: each is refused, naming the character's position and code point.
    @Test(arguments: [
        ("100006\u{200B}", 7, "U+200B"), ("100\u{00A0}006", 4, "U+00A0"), ("\u{202E}100006", 1, "U+202E"),
        ("\u{FEFF}100006", 1, "U+FEFF"), ("100006\u{2060}", 7, "U+2060"), ("\u{0661}00006", 1, "U+0661"),
        ("100 006", 4, "a space"),
    ])
    func lookAlikeSerialsAreInvalid(serial: String, position: Int, named: String) throws {
        let outcome = try validate(uploadFile([row("carol@contoso.com", "100006"), row("mallory@contoso.com", serial)]))
        #expect(outcome.accepted.map(\.serial) == ["100006"])
        let finding = try #require(outcome.findings.first { $0.line == 3 })
        #expect(finding.code == .serialInvalid)
        #expect(finding.message.contains("at character \(position)") && finding.message.contains(named), "\(finding.message)")
    }

    /// `Z0` and `z0` are one token: the second is a duplicate in the file, or a token of another user in the store.
    @Test func serialsCompareWithoutCase() throws {
        let outcome = try validate(uploadFile([row("a@contoso.com", "Z0"), row("b@contoso.com", "z0")]))
        #expect(outcome.codes == [.tokenMultipleUsers])
        let store = FakeStore(owners: ["z0": "a@contoso.com"])
        let againstStore = try validate(uploadFile([row("b@contoso.com", "z0")]), store: store)
        #expect(againstStore.codes == [.tokenAssignedElsewhere])
        #expect(Serial.key("AbC-9") == "abc-9")
    }

    /// The same seed under two serials: the second row names the first line, whichever lane reads it.
    @Test func aSeedOnAnEarlierLineIsADuplicate() throws {
        let seed = seed(for: "first")
        let text = uploadFile(["a@contoso.com,S1,\(seed),30,C,M", "b@contoso.com,S2,\(seed.lowercased()),30,C,M"])
        let outcome = try validate(text)
        #expect(outcome.accepted.map(\.serial) == ["S1"])
        let finding = try #require(outcome.findings.first)
        #expect(finding.code == .secretDuplicate && finding.line == 3 && finding.message.contains("line 2"))
        #expect(!finding.message.contains(seed) && !finding.message.lowercased().contains(seed.lowercased()))
    }

    /// A rejected row's seed is not held against later rows: only kept rows count.
    @Test func aRejectedRowsSeedIsForgotten() throws {
        let text = uploadFile([row("a@contoso.com", "S1"), "b@contoso.com,S1,\(seed(for: "other")),30,C,M",
                               "c@contoso.com,S3,\(seed(for: "other")),30,C,M"])
        let outcome = try validate(text)
        #expect(outcome.codes == [.tokenMultipleUsers])
        #expect(outcome.accepted.map(\.serial) == ["S1", "S3"])
    }

    /// The table keeps every fingerprint across its growth, with the line of its first kept row.
    @Test func seedTableKeepsLinesAcrossGrowth() {
        var table = SeedTable()
        for line in 1...5_000 { #expect(table.insert(UInt64(line) &* 0x9E37_79B9_7F4A_7C15, line: line).earlier == nil) }
        for line in stride(from: 1, through: 5_000, by: 499) {
            #expect(table.line(of: UInt64(line) &* 0x9E37_79B9_7F4A_7C15) == line)
            #expect(table.insert(UInt64(line) &* 0x9E37_79B9_7F4A_7C15, line: 9_999).earlier == line)
        }
        let slot = table.insert(42, line: 7).slot
        table.forget(slot: slot)
        #expect(table.line(of: 42) == nil)
        #expect(table.insert(42, line: 8).earlier == nil && table.line(of: 42) == 8)
    }

    /// A seed that a stored token holds under another serial is a duplicate naming that serial.
    @Test func aSeedInTheStoreIsADuplicate() throws {
        let store = FakeStore(seeds: ["STORED-1": seed(for: "x")])
        let outcome = try validate(uploadFile(["a@contoso.com,NEW-1,\(seed(for: "x")),30,C,M"]), store: store)
        #expect(outcome.codes == [.secretDuplicate])
        #expect(outcome.findings.first?.message.contains("STORED-1") == true)
    }
}
