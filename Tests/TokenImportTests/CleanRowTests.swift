import Testing
@testable import TokenImport

/// The clean lane (`RowRules.cleanRow`) against the full row check (`RowRules.check`): whenever
/// the lane calls a row clean, the full check accepts it with no finding and the same token; and
/// the lane passes over only the rows it is documented to leave to the full check.
@Suite struct CleanRowTests {
    static let header = Header(record: CSVRecord(line: 1, fields: ["upn", "serial number", "secret key", "time interval", "manufacturer", "model"]))!

    static let upns = ["helga@contoso.com", "Helga@Contoso.COM", " helga@contoso.com\t", "", "helga", "a@b@contoso.com",
                       "he lga@contoso.com", ".helga@contoso.com", "helga.@contoso.com", "he..lga@contoso.com", "helga@contoso",
                       "helga@.contoso.com", "helga@contoso..com", "helga@contoso.com.", "o''brien@contoso.com", "o'brien@contoso.com",
                       "hélga@contoso.com", "helga@con_toso.com", String(repeating: "a", count: 64) + "@contoso.com",
                       String(repeating: "a", count: 65) + "@contoso.com", "helga\u{1}@contoso.com", "#he.lga!^~_-@x-y.contoso.com",
                       "@contoso.com", "helga@", "=cmd@contoso.com"]
    static let serials = ["1234567", " 1234567 ", "", String(repeating: "9", count: 64), String(repeating: "9", count: 65),
                          "12\u{7F}34", "SN-é1", "SN 1", "a\tb"]
    static let secrets = ["2234567abcdef2234567abcdef", "JBSWY3DPEHPK3PXP", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
                          "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQA", "", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQ===",
                          "0123456789abcdef0123456789abcdef", String(repeating: "A", count: 128), String(repeating: "A", count: 129),
                          "gezdgnbvgy3tqojqgezdgnbvgy3tqojq", " GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ ", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJé",
                          String(repeating: "A", count: 25), String(repeating: "A", count: 26)]
    static let intervals = ["30", "60", " 60 ", "45", "", "030", "3O", "6０", "90"]
    static let makers = ["Contoso", "", "  ", "Cöntoso", "=HYPERLINK(1)"]
    static let models = ["HardwareKey", "", "K"]

    @Test(arguments: [false, true])
    func laneAgreesWithTheFullCheck(entra: Bool) {
        let rules = RowRules(entra: entra)
        var rng = SeededGenerator(seed: entra ? 2 : 1)
        var clean = 0
        for _ in 0..<3_000 {
            // Each field is its first (clean) value half the time, so clean rows and rows with one flaw are common.
            let fields = [Self.upns, Self.serials, Self.secrets, Self.intervals, Self.makers, Self.models].map {
                Bool.random(using: &rng) ? $0[0] : $0.randomElement(using: &rng)!
            }
            let record = CSVRecord(line: 7, fields: fields)
            let full = rules.check(record, header: Self.header)
            guard let lane = rules.cleanRow(record, header: Self.header) else {
                // Left to the full check: an empty UPN, a UPN with a quote to unescape, or bytes outside ASCII.
                if full.token != nil, full.findings.isEmpty {
                    let upn = fields[0].trimmingSpaces()
                    #expect(upn.isEmpty || upn.contains("'") || fields.contains { $0.utf8.contains { $0 >= 0x80 } }, "\(fields)")
                }
                continue
            }
            clean += 1
            #expect(full.findings.isEmpty, "\(fields)")
            guard let expected = full.token, let token = lane.token(in: record) else {
                Issue.record("clean row without a token: \(fields)")
                continue
            }
            #expect(token.line == expected.line && token.upn == expected.upn && token.serial == expected.serial)
            #expect(token.secret.bytes == expected.secret.bytes && token.interval == expected.interval)
            #expect(token.manufacturer == expected.manufacturer && token.model == expected.model)
            #expect(token.hash == expected.hash && token.digits == expected.digits)
        }
        #expect(clean > 50) // the lane is taken (about 5% of these rows are clean)
    }

    @Test func otherEncodingsAndExtraColumnsTakeTheFullCheck() {
        let record = CSVRecord(line: 2, fields: ["helga@contoso.com", "1", "3132333435363738393031323334353637383930", "30", "C", "M"])
        #expect(RowRules(secretEncoding: .hex).cleanRow(record, header: Self.header) == nil)
        let withHash = Header(record: CSVRecord(line: 1, fields: ["upn", "serial", "secret", "interval", "manufacturer", "model", "hash"]))!
        let hashed = CSVRecord(line: 2, fields: ["helga@contoso.com", "1", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "30", "C", "M", "sha1"])
        #expect(RowRules().cleanRow(hashed, header: withHash) == nil)
        let unhashed = CSVRecord(line: 2, fields: ["helga@contoso.com", "1", "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", "30", "C", "M", ""])
        #expect(RowRules().cleanRow(unhashed, header: withHash)?.interval == 30)
    }
}
