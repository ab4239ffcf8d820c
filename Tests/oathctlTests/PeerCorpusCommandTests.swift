import Foundation
import Testing

/// Issue 13, point 10, end to end: `oathctl import` loads the TOTP tokens of the peers' files
/// (read in place from `../shared/peer-corpus/`) into a store, and `list` shows them; no seed is
/// ever printed. The exact values each token gets are checked in `TokenImportTests.PeerCorpusTests`.
/// `../shared/peer-corpus`, beside the repository.
let peerCorpus = CommandRunner.repository.deletingLastPathComponent().appendingPathComponent("shared/peer-corpus")

@Suite(.enabled(if: FileManager.default.fileExists(atPath: peerCorpus.path), "../shared/peer-corpus is not beside the repository: the peer files are not read"))
struct PeerCorpusCommandTests {
    static let corpus = peerCorpus

    /// File, extra arguments, tokens stored, exit status (1: some keys refused with a finding).
    static let cases: [(String, [String], [String], Int32)] = [
        ("LinOTP_LinOTP/linotp/tests/functional/fixtures/oath_tokens_sha512.csv", ["--input-format", "oath-csv"], ["ttok_sha512_4", "ttok_sha512_8"], 1),
        ("LinOTP_LinOTP/linotp/tests/functional/fixtures/safework_tokens.dat", [], ["RAINER02"], 1),
        ("LinOTP_LinOTP/linotp/tests/functional/fixtures/pskc_tokens.xml", [], ["2600124809778", "2600124809787", "2600135004012", "2600135004013"], 1),
        ("arthurdejong_python-pskc/tests/draft-hoyer-keyprov-pskc-algorithm-profiles-01/totp.pskcxml", [], ["987654323"], 0),
        ("arthurdejong_python-pskc/tests/multiotp/tokens_totp_aes.pskc", ["--psk-file", "PSK"], ["ZZ8000000001", "ZZ8000000002"], 0),
        ("arthurdejong_python-pskc/tests/multiotp/pskc-totp-pbe.txt", ["--password-file", "PASSWORD"], ["ZZ1000000002"], 0),
        ("privacyidea_privacyidea/tests/testdata/import.oath", ["--input-format", "oath-csv"], ["token02"], 1),
    ]

    @Test(arguments: cases.indices)
    func importLoadsThePeersTOTPTokens(index: Int) throws {
        let (file, extra, serials, status) = Self.cases[index]
        let directory = scratchDirectory("oathctl-peer")
        let cli = CommandRunner.forStore(in: directory)
        try Data("12345678901234567890123456789012".utf8).write(to: directory.appendingPathComponent("psk"))
        try Data("qwerty".utf8).write(to: directory.appendingPathComponent("password"))
        let arguments = extra.map { $0 == "PSK" ? directory.appendingPathComponent("psk").path : $0 == "PASSWORD" ? directory.appendingPathComponent("password").path : $0 }
        #expect(try cli.run(["init"]).status == 0)
        let result = try cli.run(["import", Self.corpus.appendingPathComponent(file).path, "--manufacturer", "Vendor", "--model", "Fob",
                                  "--report", directory.appendingPathComponent("report.csv").path] + arguments)
        #expect(result.status == status, "\(file): \(result.allOutput)")
        let listed = try cli.run(["list", "--format", "json"])
        for serial in serials { #expect(listed.stdout.contains("\"\(serial)\""), "\(file): \(serial) not stored") }
        #expect(listed.stdout.components(separatedBy: "\"serial\"").count - 1 == serials.count)
        for seedText in ["3132333435363738", "GEZDGNBVGY3TQOJQ", "MTIzNDU2Nzg5"] {
            #expect(!result.allOutput.contains(seedText) && !listed.stdout.contains(seedText))
        }
    }

    /// A file of the OATH CSV format read without `--input-format` says how to read it.
    @Test func headerlessOATHCSVNamesItsFormat() throws {
        let directory = scratchDirectory("oathctl-peer")
        let result = try CommandRunner().run(["validate", Self.corpus.appendingPathComponent("privacyidea_privacyidea/tests/testdata/import.oath").path,
                                              "--report", directory.appendingPathComponent("r.csv").path])
        #expect(result.status == 2)
        let report = try String(contentsOfFile: directory.appendingPathComponent("r.csv").path, encoding: .utf8)
        #expect(report.contains("header_missing") && report.contains("--input-format oath-csv"))
    }
}
