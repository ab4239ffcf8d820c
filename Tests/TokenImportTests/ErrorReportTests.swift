import Foundation
import PropertyBased
import Testing
@testable import TokenImport

@Suite struct ErrorReportTests {
    @Test func formulaCellsAreNeutralized() {
        for cell in ["=SUM(A1)", "+1", "-2", "@cmd", "\tx"] {
            #expect(ErrorReport.neutralized(cell) == "'" + cell)
        }
        #expect(ErrorReport.neutralized("helga@contoso.com") == "helga@contoso.com")
    }

    @Test func reportHasExactColumnsAndQuoting() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let report = try ErrorReport(path: path)
        try report.add(Finding(line: 3, upn: "=evil@contoso.com", serial: "1", field: .interval, code: .intervalInvalid, message: "a, \"b\""))
        try report.close()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text == "line,upn,serial number,field,code,message\n3,'=evil@contoso.com,1,time interval,interval_invalid,\"a, \"\"b\"\"\"\n")
    }

    @Test func rejectsFileIsCreatedPrivate() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rejects-\(UUID().uuidString).csv").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try CSVWriter(path: path, permissions: 0o600)
        try writer.write(["a"])
        try writer.close()
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func noFindingEverCarriesTheSecret() throws {
        let secrets = ["1234567abcdef1234567abcdef", "GEZDGNBVGY3TQOJQ", String(repeating: "B", count: 140), "GEZDGNBVGY3TQOJ!"]
        let outcome = try validate(uploadFile(secrets.enumerated().map { "a\($0.offset)@contoso.com,S\($0.offset),\($0.element),30,Contoso,Key" }))
        #expect(outcome.findings.count == 4)
        for finding in outcome.findings {
            let text = [finding.upn, finding.serial, finding.field, finding.message].joined(separator: "|")
            for secret in secrets { #expect(!text.contains(secret.prefix(8))) }
        }
    }
}

@Suite struct CSVWriterRoundTripTests {
    /// Whatever fields the writer is given, the reader gives back exactly (quotes, commas, line breaks).
    @Test func writerAndReaderAgree() async {
        let pieces = ["a", ",", "\"", "\n", "\r\n", " ", "é", "=1", ""]
        await propertyCheck(count: 200, input: Gen.int(in: 0...(pieces.count - 1)).array(of: 1...12), Gen.int(in: 1...5)) { picks, width in
            let fields = stride(from: 0, to: picks.count, by: width).map { start in
                picks[start..<min(start + width, picks.count)].map { pieces[$0] }.joined()
            }
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("roundtrip-\(UUID().uuidString).csv").path
            defer { try? FileManager.default.removeItem(atPath: path) }
            do {
                let writer = try CSVWriter(path: path, permissions: 0o600)
                try writer.write(["x"] + fields)
                try writer.close()
                let back = try readAll(Array(try Data(contentsOf: URL(fileURLWithPath: path)))).map(\.fields)
                #expect(back == [["x"] + fields])
            } catch {
                Issue.record("round trip failed: \(error)")
            }
        }
    }
}
