import Foundation
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
