import Foundation
import Testing

/// End-to-end: the built binary against the RFC vectors, its exit statuses, and secrecy.
@Suite struct CodeCommandTests {
    let cli = CommandRunner()
    static let rfcSeed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

    @Test func rfc6238CodeFromStandardInput() throws {
        let result = try cli.run(["code", "--time", "59", "--digits", "8"], stdin: Self.rfcSeed)
        #expect(result.status == 0)
        #expect(result.stdout == "94287082\n")
        #expect(!result.allOutput.contains(Self.rfcSeed))
    }

    @Test func sha512AndSixtySecondSteps() throws {
        let seed512 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQGEZDGNA"
        let result = try cli.run(["code", "--time", "1111111109", "--digits", "8", "--hash", "sha512"], stdin: seed512)
        #expect(result.stdout == "25091201\n")
        // Step 60 at T=59 is step 0, whose RFC 4226 HOTP value is 755224.
        let sixty = try cli.run(["code", "--time", "59", "--step", "60"], stdin: Self.rfcSeed)
        #expect(sixty.stdout == "755224\n")
    }

    @Test func hexSeedAndSecretFile() throws {
        let hex = try cli.run(["code", "--hex", "--time", "1111111109"], stdin: "3132333435363738393031323334353637383930\n")
        #expect(hex.stdout == "081804\n")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("seed-\(UUID().uuidString)")
        try Data("gezd gnbv gy3t qojq gezd gnbv gy3t qojq\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let fromFile = try cli.run(["code", "--secret-file", file.path, "--time", "1234567890"])
        #expect(fromFile.stdout == "005924\n")
    }

    @Test func nowComesFromOATHCTL_NOW() throws {
        var pinned = cli
        pinned.environment["OATHCTL_NOW"] = "2000000000"
        #expect(try pinned.run(["code"], stdin: Self.rfcSeed).stdout == "279037\n")
    }

    @Test func badSecretIsRefusedWithoutEchoingIt() throws {
        let seed = "1234567abcdef1234567abcdef"
        let result = try cli.run(["code"], stdin: seed)
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("position 1"))
        #expect(result.stderr.contains("hex"))
        #expect(!result.allOutput.contains(seed))
        #expect(!result.allOutput.contains("abcdef"))
    }

    @Test func misuseExitsTwo() throws {
        #expect(try cli.run(["code", "--step", "45"], stdin: Self.rfcSeed).status == 2)
        #expect(try cli.run(["code", "--digits", "7"], stdin: Self.rfcSeed).status == 2)
        #expect(try cli.run(["code"], stdin: "").status == 2)
        #expect(try cli.run(["code", "--secret-file", "/nonexistent/seed"]).status == 2)
    }
}
