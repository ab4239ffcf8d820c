import Foundation
import Testing

/// End-to-end: operators made, listed and refused through the binary; no password or key is ever
/// printed again or stored as given.
@Suite struct OperatorCommandTests {
    @Test func operatorsThroughTheCommandLine() throws {
        let directory = scratchDirectory("oathctl-operators")
        let cli = CommandRunner.forStore(in: directory)
        #expect(try cli.run(["init"]).status == 0)
        let password = "correct horse battery staple"
        let added = try cli.run(["operator", "add", "alice", "--role", "admin"], stdin: password + "\n")
        #expect(added.status == 0 && added.stdout == "Added operator alice (admin, password)\n", "\(added.allOutput)")
        let program = try cli.run(["operator", "add", "vpn-gateway", "--role", "verifier", "--api-key"])
        let key = try #require(program.stdout.split(separator: "\n").last.map(String.init))
        #expect(program.status == 0 && key.hasPrefix("oak_") && key.count == 68)

        let short = try cli.run(["operator", "add", "bob", "--role", "helpdesk"], stdin: "too short\n")
        #expect(short.status == 2 && short.stderr == "oathctl: a password needs at least 12 characters; nothing was changed\n")
        #expect(try cli.run(["operator", "add", "bob", "--role", "janitor"], stdin: password + "\n").status == 2)

        let list = try cli.run(["operator", "list", "--format", "json"])
        let operators = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as! [[String: Any]]
        #expect(operators.map { $0["name"] as? String } == ["alice", "vpn-gateway"])
        #expect(operators.map { $0["role"] as? String } == ["admin", "verifier"])

        let last = try cli.run(["operator", "remove", "alice"])
        #expect(last.status == 1 && last.stderr.contains("last enabled admin"))
        #expect(try cli.run(["operator", "disable", "vpn-gateway"]).status == 0)
        #expect(try cli.run(["operator", "remove", "vpn-gateway"]).status == 0)

        // Neither the password nor the key is in any output since, nor in the store file.
        let audit = try cli.run(["audit", "--format", "json"]).stdout
        #expect(audit.contains("operator.add") && audit.contains("operator.remove"))
        let store = try Data(contentsOf: directory.appendingPathComponent("tokens.sqlite"))
        for secret in [password, key, String(key.dropFirst(4))] {
            #expect(!audit.contains(secret) && !list.allOutput.contains(secret))
            #expect(store.range(of: Data(secret.utf8)) == nil)
        }
    }
}
