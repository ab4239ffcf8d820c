import Foundation

/// Runs the built `oathctl` binary as a user would, feeding standard input and capturing both outputs.
struct CommandRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Both streams, for checks that a secret appears in neither.
        var allOutput: String { stdout + stderr }
    }

    /// The repository root (for `samples/` and the built binary).
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `OATHCTL_BIN`, else the debug build beside the tests.
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["OATHCTL_BIN"] { return URL(fileURLWithPath: path) }
        return repository.appendingPathComponent(".build/debug/oathctl")
    }()

    var environment: [String: String] = [:]
    var directory: URL?

    /// A started `oathctl` process (for races and kills).
    final class Running {
        let process: Process
        init(_ process: Process) { self.process = process }
        func kill() { Glibc.kill(process.processIdentifier, SIGKILL) }
        @discardableResult func wait() -> Int32 {
            process.waitUntilExit()
            return process.terminationStatus
        }
    }

    /// A process for `oathctl` with the arguments and this runner's environment (OATHCTL_NOW only when set here).
    func makeProcess(_ arguments: [String]) -> Process {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "OATHCTL_NOW")
        for (k, v) in environment { env[k] = v }
        process.environment = env
        if let directory { process.currentDirectoryURL = directory }
        return process
    }

    /// Starts `oathctl` with standard input (empty when nil) and discarded outputs, without waiting.
    func start(_ arguments: [String], stdin: String? = nil) throws -> Running {
        let process = makeProcess(arguments)
        if let stdin {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("oathctl-stdin-\(UUID().uuidString)")
            try Data(stdin.utf8).write(to: file)
            process.standardInput = try FileHandle(forReadingFrom: file)
            try FileManager.default.removeItem(at: file)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return Running(process)
    }

    /// Runs `oathctl` with arguments and standard input (empty when nil); all three streams are files.
    func run(_ arguments: [String], stdin: String? = nil) throws -> Result {
        let process = makeProcess(arguments)
        // Outputs go to files, so a chatty process can never block on a full pipe.
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("oathctl-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outURL = scratch.appendingPathComponent("stdout"), errURL = scratch.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let inURL = scratch.appendingPathComponent("stdin")
        try Data((stdin ?? "").utf8).write(to: inURL)
        process.standardInput = try FileHandle(forReadingFrom: inURL)
        process.standardOutput = try FileHandle(forWritingTo: outURL)
        process.standardError = try FileHandle(forWritingTo: errURL)
        try process.run()
        process.waitUntilExit()
        let outData = try Data(contentsOf: outURL), errData = try Data(contentsOf: errURL)
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self))
    }
}

extension CommandRunner {
    /// A runner whose store and master key are files in `directory`.
    static func forStore(in directory: URL, store: String = "tokens.sqlite", key: String = "master.key") -> CommandRunner {
        var cli = CommandRunner()
        cli.environment = ["OATHCTL_STORE": directory.appendingPathComponent(store).path,
                           "OATHCTL_KEY_FILE": directory.appendingPathComponent(key).path]
        return cli
    }
}

/// A new, empty folder under the temporary directory, one per test.
func scratchDirectory(_ prefix: String) -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The path of a bundled sample file.
func sample(_ name: String) -> String { CommandRunner.repository.appendingPathComponent("samples/\(name)").path }
