import Foundation
import GRDB
import OATHCore
import Testing

/// End-to-end: `init`, `import` and the token commands through the built binary, each test with its own store.
@Suite struct StoreCommandTests {
    let directory: URL
    let cli: CommandRunner

    init() throws {
        directory = scratchDirectory("oathctl-e2e")
        cli = CommandRunner.forStore(in: directory)
        let initResult = try cli.run(["init", "--actor", "e2e"])
        precondition(initResult.status == 0, initResult.stderr)
    }

    var storePath: String { directory.appendingPathComponent("tokens.sqlite").path }
    func report(_ name: String) -> [String] { ["--report", directory.appendingPathComponent(name).path] }

    /// Writes a token file with random seeds; returns its path and the seeds.
    func tokenFile(_ name: String, _ rows: [(upn: String, serial: String)]) throws -> (String, [String]) {
        let seeds = rows.map { _ in Base32.encode((0..<20).map { _ in UInt8.random(in: 0...255) }) }
        let text = (["upn,serial number,secret key,time interval,manufacturer,model"]
            + zip(rows, seeds).map { "\($0.0.upn),\($0.0.serial),\($0.1),30,Contoso,Key" }).joined(separator: "\n") + "\n"
        let path = directory.appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return (path, seeds)
    }

    func json(_ text: String) throws -> Any { try JSONSerialization.jsonObject(with: Data(text.utf8)) }

    @Test func initRefusesToOverwriteAndFilesArePrivate() throws {
        let key = try Data(contentsOf: directory.appendingPathComponent("master.key"))
        let again = try cli.run(["init"])
        #expect(again.status == 2)
        #expect(again.stderr.contains("a token store already exists"))
        #expect(try Data(contentsOf: directory.appendingPathComponent("master.key")) == key)
        // A new store beside an existing key: the key is never overwritten.
        var other = cli
        other.environment["OATHCTL_STORE"] = directory.appendingPathComponent("second.sqlite").path
        let keyExists = try other.run(["init"])
        #expect(keyExists.status == 2 && keyExists.stderr.contains("never overwrites a key"))
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("second.sqlite").path))
        for file in ["tokens.sqlite", "master.key"] {
            let mode = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent(file).path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }

    @Test func importSamplesThenReimportIsUnchanged() throws {
        let first = try cli.run(["import", sample("tokens-clean.csv"), "--format", "json"] + report("r1.csv"))
        #expect(first.status == 0)
        let stored = try json(first.stdout) as! [String: Any]
        #expect((stored["stored"] as! [String: Any])["added"] as? Int == 20)
        let second = try cli.run(["import", sample("tokens-clean.csv")] + report("r2.csv"))
        #expect(second.status == 0)
        #expect(second.stdout.contains("Stored: 0 added, 0 assigned, 20 unchanged (batch 2)"))
        let list = try json(try cli.run(["list", "--format", "json"]).stdout) as! [[String: Any]]
        #expect(list.count == 20)
        #expect(list.allSatisfy { $0["sealedSecret"] == nil && $0["secret"] == nil })
        let batches = try json(try cli.run(["batches", "--format", "json"]).stdout) as! [[String: Any]]
        #expect(batches.count == 2)
        #expect((batches[0]["sha256"] as? String)?.count == 64)
        #expect(batches[0]["actor"] as? String == ProcessInfo.processInfo.environment["USER"] ?? batches[0]["actor"] as? String)
    }

    @Test func sixthMethodAndSecondOwnerAreRefusedAcrossImports() throws {
        let (four, _) = try tokenFile("four.csv", (1...4).map { ("ivan@contoso.com", "S\($0)") })
        #expect(try cli.run(["import", four] + report("a.csv")).status == 0)
        let (two, _) = try tokenFile("two.csv", [("ivan@contoso.com", "S5"), ("Ivan@Contoso.com", "S6"), ("olga@contoso.com", "S1")])
        let result = try cli.run(["import", two, "--format", "json"] + report("b.csv"))
        #expect(result.status == 1)
        let counts = (try json(result.stdout) as! [String: Any])["counts"] as! [String: Int]
        #expect(counts == ["user_token_limit": 1, "token_assigned_elsewhere": 1])
        #expect(try cli.run(["list", "--user", "IVAN@contoso.com", "--format", "csv"]).stdout.split(separator: "\n").count == 6)
    }

    @Test func atomicImportLeavesTheStoreUnchanged() throws {
        let (path, _) = try tokenFile("mixed.csv", [("a@contoso.com", "S1"), ("b@contoso", "S2")])
        let atomic = try cli.run(["import", path, "--atomic"] + report("m.csv"))
        #expect(atomic.status == 1)
        #expect(atomic.stdout.contains("Stored: nothing"))
        #expect(try cli.run(["list", "--format", "json"]).stdout == "[]\n")
    }

    @Test func wrongKeyTruncatedKeyAndOpenKey() throws {
        let bad = directory.appendingPathComponent("other.key").path
        FileManager.default.createFile(atPath: bad, contents: Data(repeating: 3, count: 32), attributes: [.posixPermissions: 0o600])
        let wrong = try cli.run(["list", "--key-file", bad])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("does not open this store"))
        FileManager.default.createFile(atPath: bad, contents: Data(repeating: 3, count: 16), attributes: [.posixPermissions: 0o600])
        #expect(try cli.run(["list", "--key-file", bad]).stderr.contains("is 16 bytes"))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: bad)
        #expect(try cli.run(["list", "--key-file", bad]).stderr.contains("chmod 600"))
    }

    @Test func tokenCommandsAndAudit() throws {
        let (path, _) = try tokenFile("t.csv", [("a@contoso.com", "S1"), ("", "S2")])
        _ = try cli.run(["import", path] + report("t-r.csv"))
        #expect(try cli.run(["assign", "S1", "b@contoso.com"]).status == 1)
        #expect(try cli.run(["assign", "S2", "b@contoso.com", "--actor", "helpdesk-7"]).status == 0)
        #expect(try cli.run(["delete", "S2"]).status == 1)
        #expect(try cli.run(["unassign", "S2"]).status == 0)
        #expect(try cli.run(["delete", "S2"]).status == 0)
        #expect(try cli.run(["show", "S2"]).status == 1)
        #expect(try cli.run(["app", "add", "c@contoso.com", "--name", "phone"]).status == 0)
        #expect(try cli.run(["app", "list", "--format", "csv"]).stdout.contains("c@contoso.com,phone"))
        let audit = try json(try cli.run(["audit", "--serial", "S2", "--format", "json"]).stdout) as! [[String: Any]]
        #expect(audit.map { $0["action"] as! String } == ["token.add", "token.assign", "token.unassign", "token.delete"])
        #expect(audit[1]["actor"] as? String == "helpdesk-7")
    }

    @Test func storeFilesHoldNoSecret() throws {
        let (path, seeds) = try tokenFile("s.csv", (1...30).map { ("u\($0)@contoso.com", "S\($0)") })
        let result = try cli.run(["import", path] + report("s-r.csv"))
        #expect(result.status == 0)
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasPrefix("tokens.sqlite") {
            let data = try Data(contentsOf: directory.appendingPathComponent(file))
            for seed in seeds {
                let raw = try Base32.decode(seed)
                for needle in [Data(seed.utf8), Data(Hex.encode(raw).utf8), Data(raw)] {
                    #expect(data.range(of: needle.prefix(12)) == nil)
                }
            }
        }
        #expect(seeds.allSatisfy { !result.allOutput.contains($0) })
    }

    /// Two imports racing for one user's last slot: exactly one wins.
    @Test func concurrentImportsRaceForTheLastSlot() throws {
        let (four, _) = try tokenFile("four.csv", (1...4).map { ("race@contoso.com", "S\($0)") })
        #expect(try cli.run(["import", four] + report("f.csv")).status == 0)
        let (a, _) = try tokenFile("a.csv", [("race@contoso.com", "A1")])
        let (b, _) = try tokenFile("b.csv", [("race@contoso.com", "B1")])
        let processes = try [a, b].enumerated().map { index, path in
            try cli.start(["import", path] + report("race\(index).csv"))
        }
        let statuses = processes.map { $0.wait() }
        #expect(statuses.sorted() == [0, 1])
        #expect(try cli.run(["list", "--user", "race@contoso.com", "--format", "csv"]).stdout.split(separator: "\n").count == 6)
    }

    /// A killed import leaves the store before or after the batch, never between, and a rerun completes it.
    /// The kill lands while the import holds the store's write transaction (seen from another
    /// connection), so the test cannot pass by killing a process that had not started or had finished.
    @Test func killedImportIsAllOrNothing() throws {
        let rows = (1...20_000).map { ("user\($0 / 3)@contoso.com", "K\($0)") }
        let (path, _) = try tokenFile("big.csv", rows)
        for _ in 0..<2 {
            let process = try cli.start(["import", path] + report("k.csv"))
            let writing = try waitForAnotherWriter(while: process)
            process.kill()
            _ = process.wait()
            #expect(writing, "the import never took the write lock before it ended")
            #expect(process.process.terminationReason == .uncaughtSignal, "the import ended before the kill")
            let queue = try DatabaseQueue(path: storePath)
            let (check, count, batches) = try queue.read { db in
                (try String.fetchOne(db, sql: "PRAGMA integrity_check"),
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM token") ?? -1,
                 try Int.fetchOne(db, sql: "SELECT count(*) FROM batch") ?? -1)
            }
            try queue.close()
            #expect(check == "ok")
            // Killed inside its transaction: nothing of the batch.
            #expect(count == 0 && batches == 0)
        }
        let rerun = try cli.run(["import", path, "--format", "json"] + report("k2.csv"))
        #expect(rerun.status == 0)
        #expect(try cli.run(["list", "--format", "csv"]).stdout.split(separator: "\n").count == rows.count + 1)
    }

    /// Polls (at most 20 s) until some other connection holds the store's write lock while `process`
    /// runs, and still holds it 20 ms later (the import's long transaction, not the moment its open
    /// checks the schema); false if the process ended first.
    private func waitForAnotherWriter(while process: CommandRunner.Running) throws -> Bool {
        let started = Date()
        var heldBefore = false
        while process.process.isRunning, Date().timeIntervalSince(started) < 20 {
            let held = try writeLockIsHeld()
            if held, heldBefore { return true }
            heldBefore = held
            Thread.sleep(forTimeInterval: held ? 0.02 : 0.002)
        }
        return false
    }

    /// Whether another connection holds the store's write lock now.
    private func writeLockIsHeld() throws -> Bool {
        guard FileManager.default.fileExists(atPath: storePath) else { return false }
        let probe = try DatabaseQueue(path: storePath)  // no busy timeout: a held lock is an error at once
        defer { try? probe.close() }
        do {
            try probe.writeWithoutTransaction { db in
                try db.execute(sql: "BEGIN IMMEDIATE")
                try db.execute(sql: "ROLLBACK")
            }
            return false
        } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY {
            return true
        }
    }
}

extension StoreCommandTests {
    /// N helpdesk sessions assigning different tokens to a user with one free slot: exactly one wins.
    @Test func concurrentAssignmentsRaceForTheLastSlot() throws {
        let rows = (1...4).map { ("slot@contoso.com", "H\($0)") } + (1...6).map { ("", "F\($0)") }
        let (path, _) = try tokenFile("slots.csv", rows)
        #expect(try cli.run(["import", path] + report("slots-r.csv")).status == 0)
        let processes = try (1...6).map { try cli.start(["assign", "F\($0)", "slot@contoso.com"]) }
        let statuses = processes.map { $0.wait() }
        #expect(statuses.filter { $0 == 0 }.count == 1)
        #expect(statuses.filter { $0 == 1 }.count == 5)
        #expect(try cli.run(["list", "--user", "slot@contoso.com", "--format", "csv"]).stdout.split(separator: "\n").count == 6)
    }
}
