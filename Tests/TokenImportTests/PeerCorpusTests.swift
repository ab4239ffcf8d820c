import Foundation
import OATHCore
import Testing
@testable import TokenImport

/// Issue 13, point 10: every file of `../shared/peer-corpus/` (token files from privacyIDEA's,
/// LinOTP's, FreeIPA's and python-pskc's test suites, read in place) gives exactly the TOTP tokens
/// its project's tests expect, or findings that say why not. Never a crash, never a silent loss:
/// every key package or line is either a token or a rejection.
/// `../shared/peer-corpus`, beside the repository.
let peerCorpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/peer-corpus")

@Suite(.enabled(if: FileManager.default.fileExists(atPath: peerCorpus.path) || Prerequisite.required,
                "../shared/peer-corpus is not beside the repository: the peer files are not read"))
struct PeerCorpusTests {
    static let corpus = peerCorpus

    @Test func theCorpusIsThere() {
        #expect(FileManager.default.fileExists(atPath: peerCorpus.path), "\(peerCorpus.path) is missing")
    }

    /// A token as a test expects it: serial, seed in hex, step, digits, hash.
    struct Expected: Equatable, CustomStringConvertible {
        var serial: String, seed: String, step: Int, digits: Int, hash: HashAlgorithm
        var description: String { "\(serial) \(seed) \(step)s \(digits) \(hash.rawValue)" }
    }

    /// What reading one file gave.
    struct Reading {
        var tokens: [Expected]
        var codes: [FindingCode]
        var unusable: Bool
    }

    static let multiOTPKey = Array("12345678901234567890123456789012".utf8)

    /// Reads a corpus file as `oathctl validate --manufacturer M --model X` would, with the keys its peer's tests use.
    static func read(_ relative: String, format: InputFormat = .auto, psk: String? = nil, password: String? = nil) throws -> Reading {
        let path = corpus.appendingPathComponent(relative).path
        var rules = RowRules()
        rules.defaultManufacturer = "M"
        rules.defaultModel = "X"
        let keys = PSKCKeys(preSharedKey: try psk.map { try Hex.decode(utf8: Array($0.utf8)) }, password: password.map { Array($0.utf8) })
        let detected = format == .auto ? try TokenInput.detectFormat(path: path) : format
        let input: TokenInput = switch detected {
        case .pskc: .pskc(path: path, keys: keys)
        case .oathCSV: .oathCSV(path: path)
        case .safewordDAT: .safewordDAT(path: path)
        case .csv, .auto: .csv(path: path)
        }
        var tokens: [Expected] = [], codes: [FindingCode] = []
        var handlers = FileValidator.Handlers { codes.append($0.code) }
        handlers.accepted = {
            tokens.append(Expected(serial: $0.serial, seed: Hex.encode($0.secret.bytes), step: $0.interval, digits: $0.digits, hash: $0.hash))
        }
        let summary = try input.validate(with: FileValidator(rules: rules), handlers: handlers)
        #expect(summary.rowsRead == summary.accepted + summary.rejected, "\(relative): a record neither accepted nor rejected")
        return Reading(tokens: tokens, codes: codes, unusable: summary.fileUnusable)
    }
}

extension PeerCorpusTests {
    typealias E = Expected
    static let rfc4226Seed = "3132333435363738393031323334353637383930"
    static let seed32 = "3132333435363738393031323334353637383930313233343536373839303132"
    static let seed64 = seed32 + "33343536373839303132333435363738393031323334353637383930313233" + "34"
    static let feitian = [
        E(serial: "2600124809778", seed: "3117df1a718d24a9a8f2e496df5dc70af18d2183", step: 60, digits: 6, hash: .sha1),
        E(serial: "2600124809787", seed: "f4ef4f5fd836d31ef890871a2cbac68b031445e3", step: 60, digits: 6, hash: .sha1),
        E(serial: "2600135004012", seed: "0340f1157d734554ecc4994c285b035ee35061c2", step: 60, digits: 6, hash: .sha1),
        E(serial: "2600135004013", seed: "3522ee085fea7903eca98ed2a1de1a9c93232018", step: 60, digits: 6, hash: .sha1),
    ]

    /// The files that hold TOTP tokens, with the tokens their peers' tests load and the findings
    /// for the rest (HOTP and OCRA refused; a seed repeated under a second serial refused as
    /// `secret_duplicate`, which the peers do not check).
    static let totpFiles: [(file: String, format: InputFormat, psk: String?, password: String?, tokens: [Expected], codes: [FindingCode])] = [
        ("LinOTP_LinOTP/linotp/tests/functional/fixtures/oath_tokens.csv", .oathCSV, nil, nil,
         [E(serial: "tok2", seed: "1212", step: 30, digits: 6, hash: .sha1)],
         [.algorithmUnsupported, .secretWeak, .algorithmUnsupported, .secretWeak, .secretDuplicate]),
        ("LinOTP_LinOTP/linotp/tests/functional/fixtures/oath_tokens_bad_seed.csv", .oathCSV, nil, nil,
         [E(serial: "tok4", seed: "1212", step: 60, digits: 8, hash: .sha1)],
         [.algorithmUnsupported, .secretEncodingInvalid, .algorithmUnsupported, .secretWeak]),
        ("LinOTP_LinOTP/linotp/tests/functional/fixtures/oath_tokens_sha256.csv", .oathCSV, nil, nil,
         [E(serial: "ttok_sha256_4", seed: seed32, step: 30, digits: 6, hash: .sha256)],
         [.algorithmUnsupported, .algorithmUnsupported, .algorithmUnsupported, .secretDuplicate,
          .algorithmUnsupported, .algorithmUnsupported, .algorithmUnsupported]),
        ("LinOTP_LinOTP/linotp/tests/functional/fixtures/oath_tokens_sha512.csv", .oathCSV, nil, nil,
         [E(serial: "ttok_sha512_4", seed: seed64, step: 30, digits: 6, hash: .sha512),
          E(serial: "ttok_sha512_8", seed: rfc4226Seed, step: 30, digits: 8, hash: .sha512)],
         [.fieldCount, .algorithmUnsupported, .algorithmUnsupported, .algorithmUnsupported, .secretDuplicate,
          .algorithmUnsupported, .algorithmUnsupported]),
        ("LinOTP_LinOTP/linotp/tests/functional/fixtures/pskc_tokens.xml", .auto, nil, nil, feitian,
         [.algorithmUnsupported, .algorithmUnsupported]),
        ("LinOTP_LinOTP/linotp/tests/functional/fixtures/safework_tokens.dat", .auto, nil, nil,
         [E(serial: "RAINER02", seed: "535cc2cb9dea0b55b0a2d585eab648ebce73ac8b", step: 30, digits: 6, hash: .sha1)],
         [.algorithmUnsupported]),
        ("arthurdejong_python-pskc/tests/draft-hoyer-keyprov-pskc-algorithm-profiles-01/totp.pskcxml", .auto, nil, nil,
         [E(serial: "987654323", seed: rfc4226Seed, step: 30, digits: 6, hash: .sha1)], []),
        ("arthurdejong_python-pskc/tests/feitian/20120919-test001-4282.xml", .auto, nil, nil,
         [E(serial: "2600215704919", seed: "cd22b780fffd2d53696807ecd37f404dae393270", step: 60, digits: 6, hash: .sha1)],
         [.algorithmUnsupported]),
        ("arthurdejong_python-pskc/tests/feitian/file1.pskcxml", .auto, nil, nil, feitian, [.algorithmUnsupported, .algorithmUnsupported]),
        ("arthurdejong_python-pskc/tests/multiotp/pskc-totp-aes.txt", .auto, "12345678901234567890123456789012", nil,
         [E(serial: "ZZ1000000000", seed: rfc4226Seed, step: 30, digits: 6, hash: .sha1),
          E(serial: "ZZ1100000000", seed: "3132333435363738393031323334353637383931", step: 30, digits: 8, hash: .sha1),
          E(serial: "ZZ1000000001", seed: seed32, step: 30, digits: 6, hash: .sha256),
          E(serial: "ZZ1100000001", seed: "3132333435363738393031323334353637383930313233343536373839303133", step: 30, digits: 8, hash: .sha256)], []),
        ("arthurdejong_python-pskc/tests/multiotp/pskc-totp-pbe.txt", .auto, nil, "qwerty",
         [E(serial: "ZZ1000000002", seed: "3031323334353637383930313233343536373839", step: 30, digits: 6, hash: .sha1)], []),
        ("arthurdejong_python-pskc/tests/multiotp/tokens_totp_aes.pskc", .auto, "12345678901234567890123456789012", nil,
         [E(serial: "ZZ8000000001", seed: "38c2506a8e0708a5e929c2686b827e0ba7ae28c9de3c83e6d27308345981a3de", step: 30, digits: 8, hash: .sha256),
          E(serial: "ZZ8000000002", seed: "e232f74b79922de8bd49564beb4b4ddfe3e5dd929663bdd81688e1fb67e372d5bc7dfd73e0f494aa5d13fcae23b8d3c0b921ba817b337609644466788a9b1443",
            step: 30, digits: 8, hash: .sha512)], []),
        ("arthurdejong_python-pskc/tests/multiotp/tokens_totp_pbe.pskc", .auto, nil, "qwerty",
         [E(serial: "ZZ8000000000", seed: "2c8792d34a3a8711b7cfc4304bcc84e3e67815a6", step: 30, digits: 8, hash: .sha1)], []),
        ("privacyidea_privacyidea/tests/testdata/import.oath", .oathCSV, nil, nil,
         [E(serial: "token02", seed: rfc4226Seed, step: 30, digits: 6, hash: .sha1)], [.algorithmUnsupported, .secretDuplicate]),
    ]

    @Test(arguments: totpFiles.indices)
    func totpTokensAreReadExactly(index: Int) throws {
        let entry = Self.totpFiles[index]
        let reading = try Self.read(entry.file, format: entry.format, psk: entry.psk, password: entry.password)
        #expect(!reading.unusable, "\(entry.file)")
        #expect(reading.tokens == entry.tokens, "\(entry.file)")
        #expect(reading.codes == entry.codes, "\(entry.file)")
    }

    /// Every other file: no token, and the findings that say why (the file's own count of keys).
    static let refusedFiles: [(file: String, format: InputFormat, codes: [FindingCode])] = [
        ("LinOTP_LinOTP/linotp/tests/functional/fixtures/ocra_pskc_tokens.xml", .auto, Array(repeating: .algorithmUnsupported, count: 3)),
        ("LinOTP_LinOTP/linotp/tests/functional/fixtures/safenet_tokens.xml", .auto, [.pskcMalformed]),
        ("LinOTP_LinOTP/linotp/tests/functional/fixtures/yubi_hmac.csv", .oathCSV, [.algorithmUnsupported, .algorithmUnsupported]),
        ("arthurdejong_python-pskc/tests/actividentity/test.pskcxml", .auto, [.algorithmUnsupported]),
        ("arthurdejong_python-pskc/tests/invalid/notxml.pskcxml", .auto, [.pskcMalformed]),
        ("arthurdejong_python-pskc/tests/invalid/mac-value.pskcxml", .auto, [.algorithmUnsupported]),
        ("arthurdejong_python-pskc/tests/misc/SampleFullyQualifiedNS.xml", .auto, [.decryptionFailed, .algorithmUnsupported]),
        ("arthurdejong_python-pskc/tests/misc/policy.pskcxml", .auto, Array(repeating: .algorithmUnsupported, count: 5)),
        ("arthurdejong_python-pskc/tests/multiotp/tokens_ocra_aes.pskc", .auto, Array(repeating: .algorithmUnsupported, count: 36)),
        ("arthurdejong_python-pskc/tests/rfc6030/figure10.pskcxml", .auto, Array(repeating: .algorithmUnsupported, count: 4)),
        ("arthurdejong_python-pskc/tests/yubico/example2.pskcxml", .auto, [.algorithmUnsupported, .algorithmUnsupported]),
        ("freeipa_freeipa/ipatests/test_ipaserver/data/pskc-invalid.xml", .auto, [.pskcMalformed]),
        ("freeipa_freeipa/ipatests/test_ipaserver/data/pskc-mini.xml", .auto, [.algorithmUnsupported]),
        ("privacyidea_privacyidea/tests/testdata/ocra.csv", .oathCSV, [.algorithmUnsupported]),
        ("privacyidea_privacyidea/tests/testdata/pskc-aes.xml", .auto, [.algorithmUnsupported, .pskcMalformed]),
        ("privacyidea_privacyidea/tests/testdata/yubico-oath.csv", .oathCSV, [.algorithmUnsupported, .algorithmUnsupported, .algorithmUnsupported]),
    ]

    @Test(arguments: refusedFiles.indices)
    func otherFilesSayWhy(index: Int) throws {
        let entry = Self.refusedFiles[index]
        let reading = try Self.read(entry.file, format: entry.format)
        #expect(reading.tokens.isEmpty && reading.codes == entry.codes, "\(entry.file): \(reading.codes)")
    }

    /// An unresolved external entity in one field leaves its neighbour's text alone (FreeIPA's XXE file).
    @Test func anUnresolvedEntityKeepsTheNeighbouringSerial() throws {
        var serials: [String] = []
        _ = try FileValidator().runPSKC(path: Self.corpus.appendingPathComponent("freeipa_freeipa/ipatests/test_ipaserver/data/pskc-entity.xml").path,
                                        keys: PSKCKeys(), handlers: .init { serials.append($0.serial) })
        #expect(serials == ["1"])
    }
}
