import Foundation
import Testing

/// Issue 13, points 1-3: no output path destroys the input, the store, its journals or the key;
/// outputs never follow links or open FIFOs and devices; two outputs never share a file.
@Suite struct OutputSafetyTests {
    let directory = scratchDirectory("oathctl-outputs")
    let cli: CommandRunner

    init() { cli = CommandRunner.forStore(in: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    func bytes(_ name: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path(name))) }

    /// Every output flag of every command that names the store, a side file of it, or its key is refused, exit 2.
    @Test func outputsNamingTheStoreOrKeyAreRefused() throws {
        #expect(try cli.run(["init"]).status == 0)
        #expect(try cli.run(["import", sample("tokens-clean.csv"), "--report", path("r.csv")]).status == 0)
        FileManager.default.createFile(atPath: path("tokens.sqlite-wal"), contents: Data())
        let store = try bytes("tokens.sqlite"), key = try bytes("master.key")
        // Spelled another way: through a symbolic link to the folder and a `..` detour.
        try FileManager.default.createSymbolicLink(atPath: path("alias"), withDestinationPath: directory.path)
        let targets = [path("tokens.sqlite"), path("alias/master.key"), path("sub/../tokens.sqlite-wal"), path("tokens.sqlite-journal")]
        try FileManager.default.createDirectory(atPath: path("sub"), withIntermediateDirectories: true)
        for target in targets {
            for command in [["validate", sample("tokens-with-errors.csv"), "--report", target],
                            ["validate", sample("tokens-with-errors.csv"), "--report", path("ok.csv"), "--rejects", target],
                            ["import", sample("tokens-with-errors.csv"), "--report", target],
                            ["convert", sample("tokens-clean.csv"), "--report", path("ok.csv"), "--output", target, "--force"],
                            ["export", "--to", "pskc", "--include-secrets", "--output", target, "--force"]] {
                let result = try cli.run(command)
                #expect(result.status == 2, "\(command)")
                #expect(result.stderr.contains("writing there would destroy it"), "\(command): \(result.stderr)")
            }
        }
        #expect(try bytes("tokens.sqlite") == store)
        #expect(try bytes("master.key") == key)
        #expect(!FileManager.default.fileExists(atPath: path("tokens.sqlite-journal")))
    }

    /// A hard link to the store is the store.
    @Test func aHardLinkToTheStoreIsTheStore() throws {
        #expect(try cli.run(["init"]).status == 0)
        try FileManager.default.linkItem(atPath: path("tokens.sqlite"), toPath: path("other-name.csv"))
        let result = try cli.run(["validate", sample("tokens-clean.csv"), "--report", path("other-name.csv")])
        #expect(result.status == 2 && result.stderr.contains("names the token store"))
    }

    /// A symbolic link where the default report goes is refused, and its target is untouched.
    @Test func aLinkAtTheReportPathIsNotFollowed() throws {
        try FileManager.default.copyItem(atPath: sample("tokens-with-errors.csv"), toPath: path("x.csv"))
        try Data("precious\n".utf8).write(to: URL(fileURLWithPath: path("precious.txt")))
        try FileManager.default.createSymbolicLink(atPath: path("Failures_x.csv"), withDestinationPath: path("precious.txt"))
        let result = try cli.run(["validate", path("x.csv")])
        #expect(result.status == 2)
        #expect(result.stderr.contains("symbolic link"))
        #expect(try String(contentsOfFile: path("precious.txt"), encoding: .utf8) == "precious\n")
    }

    /// A FIFO is refused at once (it used to hang forever), a device is never opened.
    @Test func fifosAndDevicesAreRefused() throws {
        #expect(mkfifo(path("fifo"), 0o600) == 0)
        let fifo = try cli.run(["validate", sample("tokens-clean.csv"), "--report", path("fifo")])
        #expect(fifo.status == 2 && fifo.stderr.contains("FIFO"))
        var before = stat(), after = stat()
        stat("/dev/null", &before)
        let device = try cli.run(["validate", sample("tokens-clean.csv"), "--report", "/dev/null"])
        stat("/dev/null", &after)
        #expect(device.status == 2 && device.stderr.contains("device"))
        #expect(before.st_mode == after.st_mode)
        let folder = try cli.run(["validate", sample("tokens-clean.csv"), "--report", directory.path])
        #expect(folder.status == 2 && folder.stderr.contains("directory"))
    }

    /// The report and the rejects file may not be one file, however spelled.
    @Test func reportAndRejectsMustDiffer() throws {
        try FileManager.default.createDirectory(atPath: path("d"), withIntermediateDirectories: true)
        let result = try cli.run(["validate", sample("tokens-with-errors.csv"), "--report", path("d/out.csv"),
                                  "--rejects", path("d/../d/./out.csv")])
        #expect(result.status == 2 && result.stderr.contains("name the same file"))
        #expect(!FileManager.default.fileExists(atPath: path("d/out.csv")))
    }

    /// Outputs replace an existing file by rename with their own mode: reports 0644, seeds 0600.
    @Test func outputsReplaceFilesWithTheirOwnMode() throws {
        for name in ["report.csv", "rejects.csv"] {
            FileManager.default.createFile(atPath: path(name), contents: Data("old".utf8), attributes: [.posixPermissions: 0o666])
        }
        let result = try cli.run(["validate", sample("tokens-with-errors.csv"), "--report", path("report.csv"), "--rejects", path("rejects.csv")])
        #expect(result.status == 1)
        let report = try FileManager.default.attributesOfItem(atPath: path("report.csv"))
        let rejects = try FileManager.default.attributesOfItem(atPath: path("rejects.csv"))
        #expect((report[.posixPermissions] as? Int) == 0o644)
        #expect((rejects[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOfFile: path("report.csv"), encoding: .utf8).hasPrefix("line,upn,serial number"))
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).allSatisfy { !$0.hasPrefix(".oathctl-output") })
    }
}
