import Foundation
import Testing

/// Issue 13, points 6-8, 12 and 16 through the command line: cut-short PSKC, manufacturer and
/// model defaults, the vendor formats, the rejects file's bytes, standard input.
@Suite struct VendorFileCommandTests {
    let directory = scratchDirectory("oathctl-vendor")
    let cli: CommandRunner
    init() { cli = CommandRunner.forStore(in: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    func write(_ name: String, _ text: String) throws { try Data(text.utf8).write(to: URL(fileURLWithPath: path(name))) }

    /// A PSKC delivery cut anywhere is unusable (exit 2): nothing stored, nothing converted.
    @Test(arguments: ["inside a package", "between packages", "before the container ends"])
    func aCutShortPSKCLoadsNothing(where cut: String) throws {
        let whole = try String(contentsOfFile: sample("vendor-tokens.pskc.xml"), encoding: .utf8)
        let text: String = switch cut {
        case "inside a package": String(whole[..<whole.range(of: "<SerialNo>FT700003")!.upperBound])
        case "between packages": String(whole[..<whole.range(of: "</KeyPackage>", options: .backwards)!.upperBound]) + "\n  <KeyPackage>\n"
        default: String(whole[..<whole.range(of: "</KeyContainer>")!.lowerBound])
        }
        try write("cut.xml", text)
        let key = ["--psk-file", sample("vendor-transport.key"), "--upn-map", sample("users.csv")]
        #expect(try cli.run(["init"]).status == 0)
        let imported = try cli.run(["import", path("cut.xml"), "--report", path("r.csv")] + key)
        #expect(imported.status == 2, "\(imported.allOutput)")
        #expect(try String(contentsOfFile: path("r.csv"), encoding: .utf8).contains("pskc_malformed"))
        #expect(try cli.run(["list", "--format", "json"]).stdout.contains("\"serial\"") == false)
        let converted = try cli.run(["convert", path("cut.xml"), "--report", path("r2.csv"), "--output", path("out.csv")] + key)
        #expect(converted.status == 2)
        #expect(!FileManager.default.fileExists(atPath: path("out.csv")))
        #expect(try cli.run(["validate", path("cut.xml"), "--report", path("r3.csv")] + key).status == 2)
    }

    /// `--manufacturer` and `--model` fill rows that lack them; a value in the file wins; without them `model_missing` names the option.
    @Test func manufacturerAndModelDefaults() throws {
        try write("t.csv", "upn,serial number,secret key,time interval,manufacturer,model\n"
            + "a@contoso.com,M1,JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP,30,,\n"
            + "b@contoso.com,M2,KRUGS4ZANFZSAYJAORSXG5BAONSWKZBA,30,Acme,Own\n")
        let without = try cli.run(["validate", path("t.csv"), "--report", path("r.csv")])
        #expect(without.status == 1)
        #expect(try String(contentsOfFile: path("r.csv"), encoding: .utf8).contains("--model NAME"))
        #expect(try cli.run(["init"]).status == 0)
        let with = try cli.run(["import", path("t.csv"), "--report", path("r.csv"), "--manufacturer", "Vendor", "--model", "Fob"])
        #expect(with.status == 0, "\(with.allOutput)")
        let listed = try cli.run(["list", "--format", "json"]).stdout
        #expect(listed.contains("\"Fob\"") && listed.contains("\"Own\"") && listed.contains("\"Acme\""))
        // A file without the columns at all is usable with both options.
        try write("short.csv", "upn,serial number,secret key,time interval\na@contoso.com,M3,MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U,60\n")
        #expect(try cli.run(["validate", path("short.csv"), "--report", path("r.csv"), "--manufacturer", "V", "--model", "F"]).status == 0)
        #expect(try cli.run(["validate", path("t.csv"), "--report", path("r.csv"), "--model", "bad\u{1B}[31m"]).status == 2)
    }

    /// privacyIDEA's version 2 OATH CSV: user, resolver, realm before the serial; the user is the UPN when it is one.
    @Test func oathCSVVersionTwo() throws {
        try write("v2.csv", "# version: 2\nhelga@contoso.com, resolver1, realm1, V2TOK, 3132333435363738393031323334353637383930, totp, 6, 30\n"
            + "olaf, resolver1, realm1, V2TOK2, 3031323334353637383930313233343536373839, TOTP, 8, 60, SHA256\n")
        #expect(try cli.run(["init"]).status == 0)
        let result = try cli.run(["import", path("v2.csv"), "--input-format", "oath-csv", "--report", path("r.csv"), "--manufacturer", "V", "--model", "F"])
        #expect(result.status == 0, "\(result.allOutput)")
        let listed = try cli.run(["list", "--format", "json"]).stdout
        #expect(listed.contains("helga@contoso.com") && listed.contains("V2TOK2") && listed.contains("sha256"))
    }

    /// The rejects file keeps each rejected record's bytes as the vendor sent them.
    @Test func rejectsKeepTheOriginalBytes() throws {
        let bad = "a@contoso.com,R1,NOTBASE32!!,30,\"Contoso\",\"Hardware\"Key"
        try write("t.csv", "upn,serial number,secret key,time interval,manufacturer,model\r\n\(bad)\r\nb@contoso.com,R2,x,\"3\"\"0\",C,  M \r\n")
        #expect(try cli.run(["validate", path("t.csv"), "--report", path("r.csv"), "--rejects", path("rej.csv")]).status == 1)
        let rejects = try String(contentsOfFile: path("rej.csv"), encoding: .utf8)
        #expect(rejects == "upn,serial number,secret key,time interval,manufacturer,model\n\(bad)\nb@contoso.com,R2,x,\"3\"\"0\",C,  M \n")
    }

    /// `-` reads standard input for validate, import and convert; the report is Failures_stdin.csv.
    @Test func dashReadsStandardInput() throws {
        let text = try String(contentsOfFile: sample("tokens-clean.csv"), encoding: .utf8)
        var runner = cli
        runner.directory = directory
        #expect(try runner.run(["validate", "-"], stdin: text).status == 0)
        #expect(FileManager.default.fileExists(atPath: path("Failures_stdin.csv")))
        #expect(try runner.run(["init"]).status == 0)
        #expect(try runner.run(["import", "-", "--report", path("r.csv")], stdin: text).stdout.contains("20 added"))
        #expect(try runner.run(["convert", "-", "--report", path("r.csv"), "--output", path("o.csv")], stdin: text).status == 0)
    }

    /// A PSKC input's default report is Failures_<name>.csv.
    @Test func pskcReportIsCSV() throws {
        try FileManager.default.copyItem(atPath: sample("vendor-tokens.pskc.xml"), toPath: path("delivery.xml"))
        _ = try cli.run(["validate", path("delivery.xml"), "--psk-file", sample("vendor-transport.key")])
        #expect(FileManager.default.fileExists(atPath: path("Failures_delivery.csv")))
    }

    /// Issue 13, point 11: Entra's CSV has no hash or digits column, Graph takes no SHA-512 or 8 digits:
    /// such tokens are left out with a finding naming the setting, never written as plain rows.
    @Test func entraOutputsRefuseTokensTheyWouldBreak() throws {
        try write("t.csv", "upn,serial number,secret key,time interval,manufacturer,model,hash,digits\n"
            + "a@contoso.com,E1,JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP,30,C,M,sha1,6\n"
            + "b@contoso.com,E2,KRUGS4ZANFZSAYJAORSXG5BAONSWKZBA,30,C,M,sha256,6\n"
            + "c@contoso.com,E3,MFRGGZDFMZTWQ2LKNNWG23TPOBYXE43U,30,C,M,sha1,8\n"
            + "d@contoso.com,E4,GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ,30,C,M,sha512,6\n")
        let csv = try cli.run(["convert", path("t.csv"), "--report", path("r.csv"), "--to", "entra-csv", "--output", path("e.csv")])
        #expect(csv.status == 1)
        let written = try String(contentsOfFile: path("e.csv"), encoding: .utf8)
        #expect(written.contains("E1") && !written.contains("E2") && !written.contains("E3") && !written.contains("E4"))
        let report = try String(contentsOfFile: path("r.csv"), encoding: .utf8)
        #expect(report.components(separatedBy: "entra_unsupported").count - 1 == 3)
        #expect(report.contains("SHA256") && report.contains("8 digits") && report.contains("SHA512"))
        let graph = try cli.run(["convert", path("t.csv"), "--report", path("r2.csv"), "--to", "graph-json", "--output", path("g.json")])
        #expect(graph.status == 1)
        let json = try String(contentsOfFile: path("g.json"), encoding: .utf8)
        #expect(json.contains("\"hmacsha256\"") && json.contains("E1") && !json.contains("E3") && !json.contains("E4"))
        // From the store: the same tokens are left out of an Entra export and named on standard error.
        #expect(try cli.run(["init"]).status == 0)
        _ = try cli.run(["import", path("t.csv"), "--report", path("r3.csv")])
        let export = try cli.run(["export", "--to", "entra-csv", "--include-secrets", "--output", path("x.csv")])
        #expect(export.status == 1 && export.stderr.contains("entra_unsupported") && export.stderr.contains("E2"))
    }
}
