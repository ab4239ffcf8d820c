import Foundation
import Testing

/// End-to-end on PostgreSQL: the same commands and output as on SQLite, several processes on one
/// database at once, `store copy` both ways, and clear errors for a bad URL or an absent server.
/// Runs when `make test` started the throwaway cluster (`OATHCTL_TEST_POSTGRES`).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["OATHCTL_TEST_POSTGRES"] != nil
                    || ProcessInfo.processInfo.environment["OATHCTL_REQUIRE_POSTGRES"] == "1",
                "the PostgreSQL cluster is not running (make test starts it)"))
struct PostgresCommandTests {
    static let seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    static let now = 1_800_000_000

    /// A new database on the cluster; its store URL.
    static func newDatabase() throws -> String {
        let url = try #require(ProcessInfo.processInfo.environment["OATHCTL_TEST_POSTGRES"], "OATHCTL_TEST_POSTGRES is not set")
        let components = try #require(URLComponents(string: url))
        let name = "cli_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let psql = Process()
        psql.executableURL = URL(fileURLWithPath: "/usr/bin/psql")
        psql.arguments = ["-h", components.host!, "-p", String(components.port!), "-U", components.user!, "-d", "oathctl_test",
                          "-q", "-c", "CREATE DATABASE \(name)"]
        try psql.run()
        psql.waitUntilExit()
        #expect(psql.terminationStatus == 0)
        return "postgres://\(components.user!)@\(components.host!):\(components.port!)/\(name)"
    }

    func runner(_ directory: URL, store: String) -> CommandRunner {
        var cli = CommandRunner.forStore(in: directory)
        cli.environment["OATHCTL_STORE"] = store
        cli.environment["OATHCTL_NOW"] = String(Self.now)
        return cli
    }

    @Test func theSameFileGivesTheSameStoreOnBothBackendsAndCopiesBothWays() throws {
        let directory = scratchDirectory("oathctl-pg")
        let url = try Self.newDatabase()
        let sqlite = runner(directory, store: directory.appendingPathComponent("tokens.sqlite").path)
        let postgres = runner(directory, store: url)
        #expect(try sqlite.run(["init"]).status == 0)
        let created = try postgres.run(["init", "--use-existing-key"])
        #expect(created.status == 0 && created.stdout.hasPrefix("Created store \(url)\n"))
        for cli in [sqlite, postgres] {
            let imported = try cli.run(["import", sample("tokens-with-errors.csv"), "--report", directory.appendingPathComponent("r.csv").path])
            #expect(imported.status == 1, "\(imported.allOutput)")
        }
        let lists = try [sqlite, postgres].map { try $0.run(["list", "--format", "json"]).stdout }
        #expect(lists[0] == lists[1] && lists[0].contains("\"serial\""))

        let back = directory.appendingPathComponent("back.sqlite").path
        let copied = try postgres.run(["store", "copy", "--from", url, "--to", back])
        #expect(copied.status == 0 && copied.stdout.hasPrefix("Copied "), "\(copied.allOutput)")
        #expect(try runner(directory, store: back).run(["list", "--format", "json"]).stdout == lists[1])
        let into = try Self.newDatabase()
        #expect(try sqlite.run(["store", "copy", "--from", back, "--to", into]).status == 0)
        #expect(try runner(directory, store: into).run(["list", "--format", "json"]).stdout == lists[1])
        // A store is never copied over another.
        let again = try sqlite.run(["store", "copy", "--from", back, "--to", into])
        #expect(again.status == 1 && again.stderr.contains("already exists"))
    }

    /// Twenty processes check one fresh code at once: one is accepted, the others refused.
    @Test func twentyProcessesAcceptOneCodeOnce() throws {
        let directory = scratchDirectory("oathctl-pg-race")
        let cli = runner(directory, store: try Self.newDatabase())
        let file = directory.appendingPathComponent("t.csv")
        try Data("upn,serial number,secret key,time interval,manufacturer,model\nhelga@contoso.com,T1,\(Self.seed),30,Contoso,Key\n".utf8).write(to: file)
        #expect(try cli.run(["init"]).status == 0)
        #expect(try cli.run(["import", file.path, "--report", directory.appendingPathComponent("r.csv").path]).status == 0)
        let code = { (time: Int) in
            try cli.run(["code", "--time", String(time)], stdin: Self.seed).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        #expect(try cli.run(["activate", "T1"], stdin: code(Self.now)).status == 0)
        var later = cli
        later.environment["OATHCTL_NOW"] = String(Self.now + 30)
        let fresh = try code(Self.now + 30)
        let running = try (0..<20).map { _ in try later.start(["verify", "T1"], stdin: fresh + "\n") }
        let statuses = running.map { $0.wait() }
        #expect(statuses.filter { $0 == 0 }.count == 1)
        #expect(statuses.filter { $0 == 1 }.count == 19)
    }

    @Test func aPasswordInTheURLOrAnAbsentServerIsOneClearError() throws {
        let directory = scratchDirectory("oathctl-pg-err")
        let withPassword = try runner(directory, store: "postgres://u:hunter2@127.0.0.1:9/x").run(["list"])
        #expect(withPassword.status == 2 && withPassword.stderr.contains("holds a password") && !withPassword.allOutput.contains("hunter2"))
        let cli = runner(directory, store: directory.appendingPathComponent("tokens.sqlite").path)
        #expect(try cli.run(["init"]).status == 0)
        let absent = try runner(directory, store: "postgres://nobody@127.0.0.1:9/none").run(["list"])
        #expect(absent.status == 2)
        #expect(absent.stderr.hasPrefix("oathctl: cannot use the store postgres://nobody@127.0.0.1:9/none:"), "\(absent.stderr)")
        #expect(absent.stderr.split(separator: "\n").count == 1)
    }
}
