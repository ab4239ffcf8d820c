import Foundation
import OATHCore
import Testing

/// End-to-end: vendor files converted to upload files, and round trips through the store with codes compared.
@Suite struct ConvertCommandTests {
    let directory: URL
    let cli: CommandRunner
    static let times: [UInt64] = [0, 59, 1_111_111_109, 1_800_000_000, 2_000_000_000, 4_294_967_296, 20_000_000_000]

    init() throws {
        directory = scratchDirectory("oathctl-convert")
        cli = CommandRunner.forStore(in: directory, store: "a.sqlite", key: "a.key")
    }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// serial -> (secret bytes, interval) of an upload-format CSV.
    func tokens(ofUploadFile file: String) throws -> [String: ([UInt8], UInt64)] {
        var out: [String: ([UInt8], UInt64)] = [:]
        for line in try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            out[cells[1]] = (try Base32.decode(cells[2]), UInt64(cells[3])!)
        }
        return out
    }

    /// The codes each token shows at the test times.
    func codes(_ tokens: [String: ([UInt8], UInt64)]) -> [String: [UInt32]] {
        tokens.mapValues { secret, step in
            let key = HMACKey(secret: Secret(bytes: secret))
            return Self.times.map { OTP.totp(key: key, at: $0, step: step) }
        }
    }

    @Test func pskcSampleBecomesAnUploadFileAndSecretsStayOffTheTerminal() throws {
        let result = try cli.run(["convert", sample("vendor-tokens.pskc.xml"), "--psk-file", sample("vendor-transport.key"),
                                  "--upn-map", sample("users.csv"), "--output", path("upload.csv"), "--report", path("r.csv")])
        #expect(result.status == 1)
        #expect(result.stdout.contains("algorithm_unsupported"))
        let upload = try tokens(ofUploadFile: path("upload.csv"))
        #expect(upload.count == 5)
        #expect(try FileManager.default.attributesOfItem(atPath: path("upload.csv"))[.posixPermissions] as? Int == 0o600)
        let text = try String(contentsOfFile: path("upload.csv"), encoding: .utf8)
        #expect(text.hasPrefix("upn,serial number,secret key,time interval,manufacturer,model\nhelga@contoso.com,FT700001,"))
        for (secret, _) in upload.values { #expect(!result.allOutput.contains(Base32.encode(secret))) }
        // Without the key the packages are findings, not a crash; the output exists already.
        let noKey = try cli.run(["convert", sample("vendor-tokens.pskc.xml"), "--output", path("upload.csv"), "--report", path("r2.csv")])
        #expect(noKey.status == 2)
        #expect(noKey.stderr.contains("--force"))
        let forced = try cli.run(["convert", sample("vendor-tokens.pskc.xml"), "--output", path("upload.csv"), "--force", "--report", path("r3.csv")])
        #expect(forced.status == 1)
        #expect(forced.stdout.contains("decryption_failed"))
    }

    @Test func hexVendorCSVGivesTheSameCodesAsItsSeeds() throws {
        let result = try cli.run(["convert", sample("vendor-hex-seeds.csv"), "--secret-encoding", "hex", "--delimiter", ";",
                                  "--map", "serial number=Token SN", "--map", "secret key=Seed", "--map", "time interval=Period",
                                  "--map", "manufacturer=Vendor", "--map", "model=Type", "--output", path("hex.csv"), "--report", path("r.csv")])
        #expect(result.status == 0)
        var original: [String: ([UInt8], UInt64)] = [:]
        for line in try String(contentsOfFile: sample("vendor-hex-seeds.csv"), encoding: .utf8).split(separator: "\n").dropFirst() {
            let cells = line.split(separator: ";").map(String.init)
            original[cells[0]] = (try Hex.decode(utf8: Array(cells[1].utf8)), UInt64(cells[2])!)
        }
        #expect(codes(try tokens(ofUploadFile: path("hex.csv"))) == codes(original))
    }

    @Test func entraCSVThroughTheStoreAndBackIsExact() throws {
        #expect(try cli.run(["init"]).status == 0)
        #expect(try cli.run(["import", sample("tokens-clean.csv"), "--report", path("r.csv")]).status == 0)
        #expect(try cli.run(["export", "--to", "entra-csv", "--include-secrets", "--output", path("out.csv")]).status == 0)
        #expect(codes(try tokens(ofUploadFile: path("out.csv"))) == codes(try tokens(ofUploadFile: sample("tokens-clean.csv"))))
        #expect(try tokens(ofUploadFile: path("out.csv")).count == 20)
        // An Entra upload without seeds cannot be uploaded: refused, nothing written.
        let seedless = try cli.run(["export", "--to", "entra-csv", "--output", path("inventory.csv")])
        #expect(seedless.status == 2 && seedless.stderr.contains("cannot be uploaded"))
        #expect(!FileManager.default.fileExists(atPath: path("inventory.csv")))
        let inventory = try cli.run(["export", "--to", "graph-json", "--output", path("inventory.json")])
        #expect(inventory.stdout.contains("without secrets"))
        #expect(try !String(contentsOfFile: path("inventory.json"), encoding: .utf8).contains("secretKey"))
        #expect(try cli.run(["audit", "--format", "csv"]).stdout.contains("store.export"))
        let keyBefore = try Data(contentsOf: URL(fileURLWithPath: path("a.key")))
        let overKey = try cli.run(["export", "--to", "entra-csv", "--include-secrets", "--output", path("a.key"), "--force"])
        #expect(overKey.status == 2 && overKey.stderr.contains("names the master key"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path("a.key"))) == keyBefore)
    }

    @Test func pskcThroughTheStoreAndBackIsExact() throws {
        #expect(try cli.run(["init"]).status == 0)
        _ = try cli.run(["import", sample("vendor-tokens.pskc.xml"), "--psk-file", sample("vendor-transport.key"),
                         "--upn-map", sample("users.csv"), "--report", path("r.csv")])
        #expect(try cli.run(["export", "--to", "pskc", "--include-secrets", "--output", path("out.pskc")]).status == 0)
        #expect(try cli.run(["export", "--to", "entra-csv", "--include-secrets", "--output", path("first.csv")]).status == 0)
        let second = CommandRunner.forStore(in: directory, store: "b.sqlite", key: "b.key")
        #expect(try second.run(["init"]).status == 0)
        #expect(try second.run(["import", path("out.pskc"), "--report", path("r2.csv")]).status == 0)
        #expect(try second.run(["export", "--to", "entra-csv", "--include-secrets", "--output", path("second.csv")]).status == 0)
        let first = try tokens(ofUploadFile: path("first.csv"))
        #expect(first.count == 5)
        #expect(codes(try tokens(ofUploadFile: path("second.csv"))) == codes(first))
        #expect(try String(contentsOfFile: path("second.csv"), encoding: .utf8) == String(contentsOfFile: path("first.csv"), encoding: .utf8))
    }
}

extension ConvertCommandTests {
    @Test func readingOptionsAreCheckedWithClearErrors() throws {
        let bad = try cli.run(["validate", sample("vendor-hex-seeds.csv"), "--map", "colour=Seed", "--report", path("r.csv")])
        #expect(bad.status == 2 && bad.stderr.contains("--map takes 'column=name'"))
        #expect(try cli.run(["validate", sample("vendor-hex-seeds.csv"), "--delimiter", "|", "--report", path("r.csv")]).status == 2)
        let map = directory.appendingPathComponent("users.csv")
        try Data("serial,upn\nFT700001,helga@contoso.com,extra\n".utf8).write(to: map)
        let users = try cli.run(["validate", sample("vendor-short-header.csv"), "--upn-map", map.path, "--report", path("r.csv")])
        #expect(users.status == 2 && users.stderr.contains("line 2 of"))
        let tab = directory.appendingPathComponent("tab.csv")
        try Data("serial\tsecret\tinterval\tmanufacturer\tmodel\nT1\tGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\t30\tC\tM\n".utf8).write(to: tab)
        #expect(try cli.run(["validate", tab.path, "--delimiter", "tab", "--report", path("r.csv")]).stdout.contains("1 row read, 1 accepted"))
    }
}
