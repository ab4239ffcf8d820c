import Foundation
import GRDB
import Testing

/// Issue 13, points 13, 14 and 16: clock overflow, `init` all or nothing, hostile text on the
/// terminal, key files in hex, exit statuses and JSON that scripts can rely on.
@Suite struct HardeningCommandTests {
    let directory = scratchDirectory("oathctl-hardening")
    let cli: CommandRunner
    init() { cli = CommandRunner.forStore(in: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    var files: [String] { (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] }

    /// Times from 2^63 to 2^64-1 used to trap (exit 132) and leave a key without a store.
    @Test(arguments: ["9223372036854775808", "18446744073709551615", "253402300800"])
    func clocksBeyondTheEngineAreAClearError(now: String) throws {
        var runner = cli
        runner.environment["OATHCTL_NOW"] = now
        for arguments in [["init"], ["list"], ["code", "--step", "30"]] {
            let result = try runner.run(arguments, stdin: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
            #expect(result.status == 2 && result.stderr.contains("OATHCTL_NOW"), "\(arguments): \(result.allOutput)")
        }
        #expect(files.isEmpty, "init left \(files)")
        #expect(try cli.run(["code", "--time", "18446744073709551615"], stdin: "GEZDGNBVGY3TQOJQ").status == 2)
    }

    /// A store that cannot be made takes the new key with it.
    @Test func initMakesKeyAndStoreTogetherOrNeither() throws {
        FileManager.default.createFile(atPath: path("plain"), contents: Data("x".utf8))
        var runner = cli
        runner.environment["OATHCTL_STORE"] = path("plain/tokens.sqlite")
        let result = try runner.run(["init"])
        #expect(result.status == 2)
        #expect(!FileManager.default.fileExists(atPath: path("master.key")))
        // An existing store is refused before a key is written.
        #expect(try cli.run(["init"]).status == 0)
        try FileManager.default.removeItem(atPath: path("master.key"))
        #expect(try cli.run(["init"]).status == 2)
        #expect(!FileManager.default.fileExists(atPath: path("master.key")))
    }

    /// `openssl rand -hex 32 > key` makes a key oathctl reads.
    @Test func hexKeyFilesAreRead() throws {
        let hex = String(repeating: "0123456789abcdef", count: 4) + "\n"
        FileManager.default.createFile(atPath: path("master.key"), contents: Data(hex.utf8), attributes: [.posixPermissions: 0o600])
        #expect(try cli.run(["init", "--use-existing-key"]).status == 0)
        #expect(try cli.run(["list"]).status == 0)
        FileManager.default.createFile(atPath: path("short.key"), contents: Data("abcd\n".utf8), attributes: [.posixPermissions: 0o600])
        let short = try cli.run(["list", "--key-file", path("short.key")])
        #expect(short.status == 2 && short.stderr.contains("hex digits"))
    }

    /// App names are printable and short; a name stored before the rule is shown escaped.
    @Test func controlCharactersNeverReachTheTerminal() throws {
        #expect(try cli.run(["init"]).status == 0)
        let refused = try cli.run(["app", "add", "helga@contoso.com", "--name", "evil\u{1B}]0;owned\u{07}"])
        #expect(refused.status == 2 && refused.stderr.contains("U+001B"))
        #expect(try cli.run(["app", "add", "helga@contoso.com", "--name", String(repeating: "a", count: 65)]).status == 2)
        let queue = try DatabaseQueue(path: path("tokens.sqlite"))
        try queue.write { db in
            try db.execute(sql: "INSERT INTO app(upn, user_key, name, created_at) VALUES ('helga@contoso.com', 'helga@contoso.com', ?, 0)",
                           arguments: ["old\u{1B}[2J\u{202E}name"])
        }
        let listed = try cli.run(["app", "list"])
        #expect(!listed.stdout.contains("\u{1B}") && !listed.stdout.contains("\u{202E}"))
        #expect(listed.stdout.contains("old\\u{1B}[2J\\u{202E}name"))
    }

    /// A malformed code exits 1 in every command that takes one, as verify does.
    @Test func malformedCodesExitOne() throws {
        #expect(try cli.run(["init"]).status == 0)
        #expect(try cli.run(["import", sample("tokens-clean.csv"), "--report", path("r.csv")]).status == 0)
        let serial = try String(contentsOfFile: sample("tokens-clean.csv"), encoding: .utf8).split(separator: "\n")[1].split(separator: ",")[1]
        for (arguments, code) in [(["find"], "12ab56"), (["activate", String(serial)], "12"), (["verify", String(serial)], "x"),
                                  (["resync", String(serial)], "1234567 abc"), (["verify", String(serial)], "123456 654321")] {
            #expect(try cli.run(arguments, stdin: code).status == 1, "\(arguments) \(code)")
        }
        // A code on the command line is refused before anything runs: ps and shell history would keep it.
        let argv = try cli.run(["verify", String(serial), "--code", "123456"])
        #expect(argv.status == 2 && argv.stderr.contains("not taken from the command line"))
    }

    /// `--format json` prints JSON on standard output whatever happens, with every key present.
    @Test func jsonIsAlwaysJSON() throws {
        let missing = try cli.run(["validate", path("nope.csv"), "--format", "json"])
        #expect(missing.status == 2)
        let error = try JSONSerialization.jsonObject(with: Data(missing.stdout.utf8)) as? [String: Any]
        #expect((error?["error"] as? [String: Any])?["exitStatus"] as? Int == 2)
        let misuse = try cli.run(["validate", sample("tokens-clean.csv"), "--delimiter", "", "--format", "json"])
        #expect(misuse.status == 2 && misuse.stdout.contains("\"error\""))
        let summary = try cli.run(["validate", sample("tokens-clean.csv"), "--report", path("r.csv"), "--format", "json"])
        #expect(summary.stdout.contains("\"stored\":null"))
    }

    /// Smaller points: convert does not offer PSKC; an empty file is not a store and stays empty;
    /// the Base32 message names the class of a bad character, never the character.
    @Test func smallerPoints() throws {
        let help = try cli.run(["convert", "--help"]).stdout
        let toOption = try #require(help.range(of: "--to <to>")).upperBound
        #expect(help[toOption...].prefix(120).contains("values:") && !help[toOption...].prefix(120).contains("pskc"))
        FileManager.default.createFile(atPath: path("empty.sqlite"), contents: Data())
        FileManager.default.createFile(atPath: path("k.key"), contents: Data(repeating: 7, count: 32), attributes: [.posixPermissions: 0o600])
        let empty = try cli.run(["list", "--store", path("empty.sqlite"), "--key-file", path("k.key")])
        #expect(empty.status == 2 && empty.stderr.contains("0 bytes"))
        #expect(try FileManager.default.attributesOfItem(atPath: path("empty.sqlite"))[.size] as? Int == 0)
        try Data("upn,serial number,secret key,time interval,manufacturer,model\na@contoso.com,1,GEZDG!BVGY3TQOJQ,30,C,M\n".utf8)
            .write(to: URL(fileURLWithPath: path("t.csv")))
        _ = try cli.run(["validate", path("t.csv"), "--report", path("r.csv")])
        let report = try String(contentsOfFile: path("r.csv"), encoding: .utf8)
        #expect(report.contains("a punctuation mark at position 6") && !report.contains("'!'"))
    }

    /// `OATHCTL_LOG_LEVEL=info` gives one line per audited change on standard error, never a seed.
    @Test func logLinesOnRequest() throws {
        var runner = cli
        runner.environment["OATHCTL_LOG_LEVEL"] = "info"
        #expect(try runner.run(["init"]).status == 0)
        let imported = try runner.run(["import", sample("tokens-clean.csv"), "--report", path("r.csv")])
        #expect(imported.status == 0 && imported.stderr.contains("batch.import"))
        let seeds = try String(contentsOfFile: sample("tokens-clean.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
            .map { String($0.split(separator: ",")[2]) }
        #expect(seeds.allSatisfy { !imported.allOutput.contains($0) })
        #expect(try cli.run(["list"]).stderr.isEmpty)
    }
}
