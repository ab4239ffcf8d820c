import Foundation
import Logging
import OATHCore
import Testing
import TokenImport
@testable import TokenStore

/// Issue 14: one log line per audited change, written once its transaction commits, and never a
/// seed, a code or a key.
@Suite struct StoreLoggingTests {
    /// Keeps every line logged, with its metadata, as text.
    final class Capture: @unchecked Sendable {
        // @unchecked: `lines` is only touched under `lock`.
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    struct Handler: LogHandler {
        let capture: Capture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
                 file: String, function: String, line: UInt) {
            let fields = (metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            capture.append("\(level) \(message) \(fields)")
        }
    }

    @Test func oneLinePerChangeAndNoSecret() throws {
        let capture = Capture()
        let logger = Logger(label: "test") { _ in Handler(capture: capture) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("oathctl-log-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let key = MasterKey.forTesting((0..<32).map { UInt8($0) })
        let clock: Int64 = 1_800_000_000
        let store = try TokenStore.create(path: directory.appendingPathComponent("s.sqlite").path, key: key, actor: "tester",
                                          now: { clock }, logger: logger)
        let seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        let file = directory.appendingPathComponent("t.csv")
        try Data("upn,serial number,secret key,time interval,manufacturer,model\nhelga@contoso.com,L1,\(seed),30,C,M\n".utf8).write(to: file)
        _ = try store.importTokens(.csv(path: file.path), options: .init(fileName: "t.csv", sha256: "x"), handlers: .init { _ in })
        let code = OTP.format(OTP.totp(key: HMACKey(secret: Secret(bytes: Array("12345678901234567890".utf8))), at: UInt64(clock), step: 30), digits: 6)
        #expect(try store.activate(serial: "L1", code: code).accepted)
        #expect(try !store.verify(serial: "L1", code: "000000").accepted)

        // An atomic import that is rolled back logs nothing of what it did not keep.
        try Data("upn,serial number,secret key,time interval,manufacturer,model\nolaf@contoso.com,L2,JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP,30,C,M\nbad\n".utf8)
            .write(to: file)
        let before = capture.all.count
        let rolledBack = try store.importTokens(.csv(path: file.path), options: .init(fileName: "t.csv", sha256: "y", atomic: true), handlers: .init { _ in })
        #expect(!rolledBack.committed && capture.all.count == before)

        let lines = capture.all
        #expect(lines.map { $0.split(separator: " ")[1] } == ["store.init", "batch.import", "token.activate", "token.verify.refused"])
        #expect(lines.allSatisfy { $0.hasPrefix("info") && $0.contains("actor=tester") })
        for secret in [seed, seed.lowercased(), "3132333435363738", code, "JBSWY3DP"] {
            #expect(!lines.contains { $0.contains(secret) }, "a log line holds \(secret)")
        }
    }
}
