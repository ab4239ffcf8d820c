import Foundation
import Testing

/// End-to-end: the helpdesk flow through the binary, codes computed by `oathctl code` from the RFC seed.
@Suite struct ActivationCommandTests {
    static let seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    static let now = 1_800_000_000
    let directory: URL
    let cli: CommandRunner

    init() throws {
        directory = scratchDirectory("oathctl-act")
        var cli = CommandRunner.forStore(in: directory)
        cli.environment["OATHCTL_NOW"] = String(Self.now)
        self.cli = cli
        let file = directory.appendingPathComponent("t.csv")
        try Data("upn,serial number,secret key,time interval,manufacturer,model\nhelga@contoso.com,T1,\(Self.seed),30,Contoso,Key\n".utf8).write(to: file)
        let created = try cli.run(["init"]).status
        let imported = try cli.run(["import", file.path, "--report", directory.appendingPathComponent("r.csv").path]).status
        precondition(created == 0 && imported == 0, "fixture store could not be set up")
    }

    func code(at time: Int) throws -> String {
        try cli.run(["code", "--time", String(time)], stdin: Self.seed).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func activateReportsDriftThenReplayIsRefused() throws {
        let fast = try code(at: Self.now + 90)
        let result = try cli.run(["activate", "T1"], stdin: fast)
        #expect(result.status == 0)
        #expect(result.stdout == "Activated T1 (helga@contoso.com): accepted; token clock is 3 steps (90 s) fast\n")
        let replay = try cli.run(["activate", "T1", "--format", "json"], stdin: fast)
        #expect(replay.status == 1)
        let json = try JSONSerialization.jsonObject(with: Data(replay.stdout.utf8)) as! [String: Any]
        #expect(json["reason"] as? String == "code_reused")
        #expect(!replay.allOutput.contains(Self.seed))
    }

    @Test func codeFromStandardInputAndWrongCodeHelpsTheAgent() throws {
        let wrong = try cli.run(["activate", "T1"], stdin: "000000\n")
        #expect(wrong.status == 1)
        #expect(wrong.stdout.contains("not valid in the activation window"))
        #expect(wrong.stdout.contains("ask for the next code"))
        #expect(try cli.run(["show", "T1", "--format", "json"]).stdout.contains("\"status\":\"failedActivation\""))
    }

    /// N helpdesk sessions verifying the same fresh code at once: it is accepted exactly once.
    @Test func concurrentVerifyAcceptsACodeOnce() throws {
        #expect(try cli.run(["activate", "T1"], stdin: try code(at: Self.now)).status == 0)
        let fresh = try code(at: Self.now + 30)
        let processes = try (0..<6).map { _ in try cli.start(["verify", "T1"], stdin: fresh) }
        let statuses = processes.map { $0.wait() }
        #expect(statuses.filter { $0 == 0 }.count == 1)
        #expect(statuses.filter { $0 == 1 }.count == 5)
    }

    @Test func lockoutUnlockAndPolicy() throws {
        #expect(try cli.run(["policy", "set", "lockout.threshold", "2"]).status == 0)
        #expect(try cli.run(["policy", "set", "no.such", "2"]).status == 2)
        #expect(try cli.run(["activate", "T1"], stdin: try code(at: Self.now)).status == 0)
        _ = try cli.run(["verify", "T1"], stdin: "000000")
        let locking = try cli.run(["verify", "T1"], stdin: "000001")
        #expect(locking.stdout.contains("now locked until"))
        let locked = try cli.run(["verify", "T1"], stdin: try code(at: Self.now + 30))
        #expect(locked.stdout.hasPrefix("Refused (token_locked)"))
        #expect(try cli.run(["unlock", "T1"]).stdout == "Unlocked T1\n")
        #expect(try cli.run(["verify", "T1"], stdin: try code(at: Self.now + 30)).status == 0)
    }

    @Test func resyncAndFind() throws {
        #expect(try cli.run(["activate", "T1"], stdin: try code(at: Self.now)).status == 0)
        let resync = try cli.run(["resync", "T1"], stdin: "\(try code(at: Self.now + 6000))\n\(try code(at: Self.now + 6030))\n")
        #expect(resync.status == 0)
        #expect(resync.stdout.contains("201 steps (6030 s) fast"))
        let found = try cli.run(["find", "--format", "csv"], stdin: try code(at: Self.now + 6060))
        #expect(found.stdout == "serial,upn,status,drift\nT1,helga@contoso.com,activated,202\n")
        #expect(try cli.run(["audit", "--format", "csv"]).stdout.contains("token.find"))
    }
}
