import Foundation
import Logging
import OATHCore
import Testing
import TokenImport
@testable import TokenStore
import TokenService
import TokenDomain

/// One log line per audited change, written by the service once its transaction commits, a notice
/// per refusal, and never a seed, a code or a key.
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

    @Test(arguments: Backend.all) func oneLinePerChangeAndNoSecret(backend: Backend) async throws {
        let capture = Capture()
        let logger = Logger(label: "test") { _ in Handler(capture: capture) }
        let fixture = try await ServiceFixture(backend, logger: logger)
        let seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
        try await fixture.importText("upn,serial number,secret key,time interval,manufacturer,model\nhelga@contoso.com,L1,\(seed),30,C,M\n")
        let code = OTP.format(OTP.totp(key: HMACKey(secret: Secret(bytes: Array("12345678901234567890".utf8))), at: UInt64(fixture.clock), step: 30), digits: 6)
        #expect(try await fixture.activate(serial: "L1", code: code).accepted)
        #expect(try await !fixture.verify(serial: "L1", code: "000000").accepted)

        // An atomic import that is rolled back logs nothing of what it did not keep.
        let before = capture.all.count
        let rolledBack = try await fixture.importText(
            "upn,serial number,secret key,time interval,manufacturer,model\nolaf@contoso.com,L2,JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP,30,C,M\nbad\n",
            atomic: true).0
        #expect(!rolledBack.committed && capture.all.count == before)
        // A refusal is one notice, with its kind and the operator.
        await #expect(throws: StoreError.self) { try await fixture.assign(serial: "L1", to: "olaf@contoso.com") }

        let lines = capture.all
        #expect(lines.map { $0.split(separator: " ")[1] } == ["batch.import", "token.activate", "token.verify.refused", "operation"])
        #expect(lines.dropLast().allSatisfy { $0.hasPrefix("info") && $0.contains("actor=tester") && $0.contains("request=request-1") })
        #expect(lines.last?.hasPrefix("notice operation refused") == true && lines.last?.contains("kind=conflict") == true)
        for secret in [seed, seed.lowercased(), "3132333435363738", code, "JBSWY3DP"] {
            #expect(!lines.contains { $0.contains(secret) }, "a log line holds \(secret)")
        }
    }
}
