import Foundation
import Testing

/// End-to-end: `oathctl validate` on the bundled samples.
@Suite struct ValidateCommandTests {
    let cli = CommandRunner()
    let scratch = scratchDirectory("oathctl-validate")


    /// Every secret-key cell of a sample, as written (for checking that none leaks).
    func secrets(of name: String) throws -> [String] {
        let lines = try String(contentsOfFile: sample(name), encoding: .isoLatin1).split(whereSeparator: \.isNewline)
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map { $0.lowercased() }
        guard let column = header.firstIndex(where: { $0.hasPrefix("secret") }) else { return [] }
        return lines.dropFirst().compactMap { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false)
            return cells.count > column ? String(cells[column]).trimmingCharacters(in: CharacterSet(charactersIn: "\" ")) : nil
        }.filter { $0.count >= 8 }
    }

    @Test func cleanSamplePasses() throws {
        let report = scratch.appendingPathComponent("r.csv").path
        let result = try cli.run(["validate", sample("tokens-clean.csv"), "--report", report])
        #expect(result.status == 0)
        #expect(result.stdout.hasPrefix("Checked \(sample("tokens-clean.csv")): 20 rows read, 20 accepted, 0 rejected, 0 warnings\n"))
        #expect(try String(contentsOfFile: report, encoding: .utf8) == "line,upn,serial number,field,code,message\n")
    }

    @Test func errorSampleShowsEveryRowCodeAndLeaksNoSecret() throws {
        let report = scratch.appendingPathComponent("errors.csv").path
        let rejects = scratch.appendingPathComponent("rejects.csv").path
        let result = try cli.run(["validate", sample("tokens-with-errors.csv"), "--report", report, "--rejects", rejects, "--format", "json"])
        #expect(result.status == 1)
        let json = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as! [String: Any]
        #expect(json["rowsRead"] as? Int == 22)
        #expect(json["accepted"] as? Int == 9)
        #expect(json["rejected"] as? Int == 13)
        #expect(json["exitStatus"] as? Int == 1)
        let counts = json["counts"] as! [String: Int]
        let expected = ["column_unknown", "csv_malformed", "digits_invalid", "encoding_invalid", "field_count", "hash_invalid",
                        "interval_invalid", "manufacturer_missing", "model_missing", "secret_missing", "secret_not_base32",
                        "secret_too_long", "secret_weak", "serial_duplicate", "serial_missing", "token_multiple_users",
                        "upn_invalid", "user_token_limit"]
        #expect(counts.keys.sorted() == expected)

        let reportText = try String(contentsOfFile: report, encoding: .utf8)
        #expect(reportText.hasPrefix("line,upn,serial number,field,code,message\n"))
        for secret in try secrets(of: "tokens-with-errors.csv") {
            #expect(!reportText.contains(secret.prefix(12)), "report leaks a secret")
            #expect(!result.allOutput.contains(secret.prefix(12)), "output leaks a secret")
        }
        let mode = try FileManager.default.attributesOfItem(atPath: rejects)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let rejectLines = try String(contentsOfFile: rejects, encoding: .isoLatin1)
        #expect(rejectLines.hasPrefix("upn,serial number,secret key,time interval,manufacturer,model,hash,digits,notes\n"))
    }

    @Test func defaultReportNameSitsBesideTheInput() throws {
        let copy = scratch.appendingPathComponent("vendor.csv")
        try FileManager.default.copyItem(atPath: sample("vendor-short-header.csv"), toPath: copy.path)
        let result = try cli.run(["validate", copy.path])
        #expect(result.status == 0)
        #expect(FileManager.default.fileExists(atPath: scratch.appendingPathComponent("Failures_vendor.csv").path))
        #expect(result.stdout.contains("8 rows read, 8 accepted"))
    }

    @Test func entraModeRequiresUPNs() throws {
        let result = try cli.run(["validate", sample("vendor-short-header.csv"), "--entra", "--report", scratch.appendingPathComponent("e.csv").path])
        #expect(result.status == 2)
        #expect(result.stdout.contains("column_missing"))
    }

    @Test(arguments: ["no-header.csv", "missing-column.csv", "header-only.csv", "utf16.csv"])
    func unusableSamplesExitTwo(name: String) throws {
        let result = try cli.run(["validate", sample("unusable/\(name)"), "--report", scratch.appendingPathComponent("\(name).report").path])
        #expect(result.status == 2)
    }

    @Test func missingFileAndDirectoryAreClearErrors() throws {
        let missing = try cli.run(["validate", "/nonexistent/tokens.csv"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot open /nonexistent/tokens.csv"))
        let directory = try cli.run(["validate", scratch.path, "--report", scratch.appendingPathComponent("d.csv").path])
        #expect(directory.status == 2)
        #expect(directory.stderr.contains("not a regular file"))
    }
}

extension ValidateCommandTests {
    /// A report, rejects or output path that names the input is refused before anything is written.
    @Test func outputsNeverOverwriteTheInput() throws {
        let copy = scratch.appendingPathComponent("input.csv")
        try FileManager.default.copyItem(atPath: sample("tokens-with-errors.csv"), toPath: copy.path)
        let before = try Data(contentsOf: copy)
        for arguments in [["validate", copy.path, "--report", copy.path],
                          ["validate", copy.path, "--rejects", copy.path],
                          ["convert", copy.path, "--output", copy.path, "--force"]] {
            let result = try cli.run(arguments)
            #expect(result.status == 2, "\(arguments)")
            #expect(result.stderr.contains("names the input file"))
        }
        #expect(try Data(contentsOf: copy) == before)
    }
}
