import Foundation
import Testing

/// Every reader survives hostile input with a finding and a documented exit status, never a crash.
@Suite struct HostileInputTests {
    static let corpus = CommandRunner.repository.appendingPathComponent("Tests/HostileInputs")
    static let files = (try? FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted()) ?? []
    let cli = CommandRunner()
    let scratch = scratchDirectory("oathctl-hostile")

    /// Runs validate and checks the outcome is a documented status with no crash report.
    @discardableResult
    func survives(_ path: String, _ extra: [String] = []) throws -> CommandRunner.Result {
        let result = try cli.run(["validate", path, "--report", scratch.appendingPathComponent("report.csv").path] + extra)
        #expect([0, 1, 2].contains(result.status), "\(path): exit \(result.status)")
        #expect(!result.stderr.contains("crashed") && !result.stderr.contains("Fatal error"), "\(path): \(result.stderr.prefix(300))")
        return result
    }

    @Test func corpusIsThere() { #expect(Self.files.count >= 12) }

    /// The exit status each committed input must give: 2 for a file that cannot be used, 1 for rejected rows.
    static let expected: [String: Int32] = [
        "empty.csv": 2, "header-only.csv": 2, "utf16-bom.csv": 2, "nul-bytes.csv": 1, "invalid-utf8.csv": 1,
        "mixed-line-endings.csv": 0, "unclosed-quote.csv": 1, "control-chars-upn.csv": 1, "formula-injection.csv": 1,
        "pskc-truncated.xml": 2, "pskc-not-pskc.xml": 2, "pskc-bad-base64.xml": 1, "pskc-invalid-utf8-in-comment.xml": 2,
        "pskc-malformed-base64-value-mac.xml": 1, "pskc-processing-instruction-without-data.xml": 2,
    ]

    @Test(arguments: files)
    func committedCorpus(name: String) throws {
        let result = try survives(Self.corpus.appendingPathComponent(name).path)
        #expect(result.status == Self.expected[name], "\(name): exit \(result.status)")
    }

    @Test func mixedLineEndingsReadEveryRow() throws {
        #expect(try survives(Self.corpus.appendingPathComponent("mixed-line-endings.csv").path).stdout.contains("3 rows read, 3 accepted"))
    }

    @Test func formulaCellsAreNeutralisedInTheReport() throws {
        try survives(Self.corpus.appendingPathComponent("formula-injection.csv").path)
        let report = try String(contentsOfFile: scratch.appendingPathComponent("report.csv").path, encoding: .utf8)
        for line in report.split(separator: "\n").dropFirst() {
            for cell in line.split(separator: ",") { #expect(!"=+-@".contains(cell.first!), "unneutralised cell \(cell)") }
        }
    }

    @Test func tenMegabyteLineHundredThousandColumnsAndAHugeSecret() throws {
        let header = "upn,serial number,secret key,time interval,manufacturer,model\n"
        let cases: [(String, String)] = [
            ("long-line.csv", header + String(repeating: "x", count: 10_000_000) + "\n"),
            ("wide.csv", header + String(repeating: "a,", count: 100_000) + "\n"),
            ("huge-secret.csv", header + "a@contoso.com,1,\(String(repeating: "A", count: 10_000)),30,C,M\n"),
        ]
        for (name, text) in cases {
            let path = scratch.appendingPathComponent(name)
            try Data(text.utf8).write(to: path)
            let result = try survives(path.path)
            #expect(result.status == 1, "\(name)")
        }
        let report = try String(contentsOfFile: scratch.appendingPathComponent("report.csv").path, encoding: .utf8)
        #expect(report.contains("secret_too_long") && !report.contains("AAAAAAAAAAAA"))
    }

    @Test func symlinkDirectoryAndPipe() throws {
        let target = Self.corpus.appendingPathComponent("header-only.csv").path
        let link = scratch.appendingPathComponent("link.csv").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: target)
        #expect(try survives(link).status == 2)
        let directory = try survives(scratch.path)
        #expect(directory.status == 2 && directory.stderr.contains("not a regular file"))
        let fifo = scratch.appendingPathComponent("fifo.csv").path
        #expect(mkfifo(fifo, 0o600) == 0)
        let pipe = try survives(fifo)
        #expect(pipe.status == 2 && pipe.stderr.contains("not a regular file"))
    }

    @Test func hostileSecretsForCode() throws {
        for secret in ["", "\u{0}\u{1}\u{2}", String(repeating: "=", count: 1000), "é€😀", String(repeating: "A", count: 100_000)] {
            let result = try cli.run(["code"], stdin: secret)
            #expect([0, 2].contains(result.status))
            #expect(!result.stderr.contains("crashed"))
        }
    }
}
