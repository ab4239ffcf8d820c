import Foundation
import GRDB
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import TokenDomain
import TokenImport
@testable import TokenStore

/// Token files over the API: validate, import, the kept report, the upload limit and the PSKC key header.
@Suite struct APIUploadTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples")

    /// The report `oathctl validate` writes for a file (the same writer, `ErrorReport`).
    static func validateReport(_ path: String) throws -> [UInt8] {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: out) }
        let report = try ErrorReport(path: out.path)
        let settings = ReadingSettings()
        _ = try settings.input(path: path).validate(with: settings.validator(), handlers: .init(finding: report.add))
        try report.close()
        return Array(try Data(contentsOf: out))
    }

    static func upload(_ client: any TestClientProtocol, _ path: String, file: String, headers: HTTPFields) async throws -> TestResponse {
        try await client.execute(uri: "/api/v1" + path, method: .post, headers: headers,
                                 body: ByteBuffer(bytes: try Data(contentsOf: samples.appendingPathComponent(file))))
    }

    /// An import that fills the store's disk (SQLite's max_page_count stands in for it): 507 in
    /// words, nothing stored, and the server goes on answering.
    @Test func aFullDiskIs507AndStoresNothing() async throws {
        let api = try await APIFixture(.sqlite)
        let admin = bearer(api.keys[.admin]!)
        let pages = try api.store.sqlite.read { db in try Int.fetchOne(db, sql: "PRAGMA page_count")! }
        try api.store.sqlite.write { db in try db.execute(sql: "PRAGMA max_page_count = \(pages + 2)") }
        let file = ServiceFixture.file((1...2_000).map { ("u\($0)@contoso.com", "S\($0)", ServiceFixture.secret()) })
        try await api.run { client in
            let answer = try await client.execute(uri: "/api/v1/imports?name=big.csv", method: .post, headers: admin, body: ByteBuffer(string: file))
            #expect(answer.status.code == 507)
            let error = try #require((answer.json as? [String: Any])?["error"] as? [String: Any])
            #expect(error["code"] as? String == "store_full")
            #expect((error["message"] as? String)?.contains("nothing of this operation was stored; free space there") == true)
            let tokens = try await client.call(.get, "/tokens", headers: admin)
            #expect(tokens.status == .ok && (tokens.json as? [String: Any])?["tokens"] as? [Any] != nil)
        }
        #expect(try await api.store.tokens().isEmpty)
        #expect(try await api.store.batches().isEmpty)
    }

    @Test(arguments: Backend.all) func aFileIsValidatedThenImportedAndItsReportKept(backend: Backend) async throws {
        let api = try await APIFixture(backend)
        let admin = bearer(api.keys[.admin]!)
        let expected = try Self.validateReport(Self.samples.appendingPathComponent("tokens-with-errors.csv").path)
        try await api.run { client in
            let checked = try await Self.upload(client, "/validate?name=tokens-with-errors.csv", file: "tokens-with-errors.csv", headers: admin)
            #expect(checked.status == .ok)
            let summary = try #require(checked.json as? [String: Any])
            #expect(summary["rowsRead"] as? Int == 22 && summary["accepted"] as? Int == 9 && summary["rejected"] as? Int == 13)
            #expect(summary["findingsTotal"] as? Int == 19 && (summary["counts"] as? [String: Int])?["user_token_limit"] == 1)
            let first = try #require((summary["findings"] as? [[String: Any]])?.first)
            #expect(first["line"] as? Int == 1 && first["code"] as? String == "column_unknown")
            // The download is byte for byte what `oathctl validate` writes.
            var csvHeaders = admin
            csvHeaders[.accept] = "text/csv"
            let download = try await Self.upload(client, "/validate?name=tokens-with-errors.csv", file: "tokens-with-errors.csv", headers: csvHeaders)
            #expect(Array(download.body.readableBytesView) == expected)
            #expect(download.headers[.contentDisposition] == #"attachment; filename="Failures_tokens-with-errors.csv""#)

            let imported = try await Self.upload(client, "/imports?name=tokens-with-errors.csv", file: "tokens-with-errors.csv", headers: admin)
            #expect(imported.status == .created)
            let result = try #require(imported.json as? [String: Any])
            let stored = try #require(result["stored"] as? [String: Any])
            let batch = try #require(stored["batch"] as? Int)
            #expect(stored["added"] as? Int == 9 && stored["committed"] as? Bool == true)
            #expect(result["report"] as? String == "/api/v1/imports/\(batch)/report")
            let kept = try await client.call(.get, "/imports/\(batch)/report", headers: bearer(api.keys[.auditor]!))
            #expect(kept.status == .ok && Array(kept.body.readableBytesView) == expected)
            #expect(try await client.call(.get, "/imports/\(batch)/report", headers: bearer(api.keys[.helpdesk]!)).status == .forbidden)
            let missing = try await client.call(.get, "/imports/999/report", headers: admin)
            #expect(missing.status == .notFound && missing.text.contains("batch_not_found"))
        }
        let trail = try await api.store.auditTrail()
        #expect(trail.contains { $0.action == "batch.import" && $0.actor == "admin-program" && $0.role == "admin" })
        #expect(try await api.store.service.tokens(matching: TokenFilter()).count == 9)
    }

    @Test func atomicImportsStoreNothingAndKeepNoReport() async throws {
        let api = try await APIFixture(.sqlite)
        try await api.run { client in
            let answer = try await Self.upload(client, "/imports?atomic=true", file: "tokens-with-errors.csv", headers: bearer(api.keys[.admin]!))
            #expect(answer.status == .ok)
            let stored = try #require((answer.json as? [String: Any])?["stored"] as? [String: Any])
            #expect(stored["committed"] as? Bool == false && stored["batch"] == nil)
        }
        #expect(try await api.store.service.tokens(matching: TokenFilter()).isEmpty)
        #expect(try await api.store.service.batches().isEmpty)
    }

    @Test func anEncryptedPSKCTakesItsKeyInAHeaderNeverTheURL() async throws {
        let api = try await APIFixture(.sqlite)
        let key = try String(contentsOf: Self.samples.appendingPathComponent("vendor-transport.key"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let admin = bearer(api.keys[.admin]!)
        @Sendable func with(key: String) -> HTTPFields {
            var headers = admin
            headers[HTTPField.Name("X-PSKC-Key")!] = key
            return headers
        }
        try await api.run { client in
            let locked = try #require(try await Self.upload(client, "/validate", file: "vendor-tokens.pskc.xml", headers: admin).json as? [String: Any])
            #expect((locked["counts"] as? [String: Int])?["decryption_failed"] == 5)
            let opened = try #require(try await Self.upload(client, "/validate", file: "vendor-tokens.pskc.xml", headers: with(key: key)).json
                as? [String: Any])
            #expect(opened["accepted"] as? Int == 5 && (opened["counts"] as? [String: Int])?["decryption_failed"] == nil)
            let bad = try await Self.upload(client, "/validate", file: "vendor-tokens.pskc.xml", headers: with(key: "not hex"))
            #expect(bad.status == .badRequest && bad.text.contains("X-PSKC-Key must be"))
        }
    }

    @Test func uploadsAreBoundedAndTheirOptionsChecked() async throws {
        let api = try await APIFixture(.sqlite)
        let admin = bearer(api.keys[.admin]!)
        try await api.run(maxUploadMB: 1) { client in
            let big = ByteBuffer(bytes: Array(ServiceFixture.file([]).utf8) + [UInt8](repeating: 0x0A, count: 1 << 20))
            let tooLarge = try await client.execute(uri: "/api/v1/validate", method: .post, headers: admin, body: big)
            #expect(tooLarge.status == .contentTooLarge && tooLarge.text.contains("upload_too_large"))
            for (query, message) in [("entra=yes", "entra is true or false"), ("input-format=xls", "input-format must be one of"),
                                     ("delimiter=|", "delimiter must be"), ("secret=JBSWY3DP", "unknown parameter secret")] {
                let refused = try await Self.upload(client, "/validate?\(query)", file: "tokens-clean.csv", headers: admin)
                #expect(refused.status == .badRequest && refused.text.contains(message), "\(query): \(refused.text)")
            }
            let empty = try await client.execute(uri: "/api/v1/imports", method: .post, headers: admin, body: nil)
            #expect(empty.status == .badRequest && empty.text.contains("upload_empty"))
            let unusable = try await client.execute(uri: "/api/v1/imports", method: .post, headers: admin, body: ByteBuffer(string: "just,some\nwords\n"))
            #expect(unusable.status == .unprocessableContent && unusable.text.contains("file_unusable"), "\(unusable.text)")
        }
        #expect(try await api.store.service.batches().isEmpty)
    }
}
