import Foundation
import OATHCore
import TokenImport
@testable import TokenStore

/// A fresh store in its own temporary folder, with a fixed clock.
final class StoreFixture {
    let directory: URL
    let key = MasterKey.forTesting((0..<32).map { UInt8($0) })
    var clock: Int64 = 1_800_000_000
    private(set) var store: TokenStore!

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("oathctl-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try TokenStore.create(path: path, key: key, actor: "tester", now: { [unowned self] in clock })
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    var path: String { directory.appendingPathComponent("tokens.sqlite").path }

    /// Imports CSV text; returns the result and the findings.
    @discardableResult
    func importText(_ text: String, atomic: Bool = false) throws -> (ImportResult, [Finding]) {
        var findings: [Finding] = []
        let file = directory.appendingPathComponent("import-\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: file)
        let result = try store.importTokens(.csv(path: file.path), options: .init(fileName: "test.csv", sha256: "test", atomic: atomic),
                                            handlers: .init { findings.append($0) })
        return (result, findings)
    }

    static let header = "upn,serial number,secret key,time interval,manufacturer,model"

    /// A file with the given (upn, serial, secret) rows.
    static func file(_ rows: [(String, String, String)]) -> String {
        ([header] + rows.map { "\($0.0),\($0.1),\($0.2),30,Contoso,Key" }).joined(separator: "\n") + "\n"
    }

    /// A random 20-byte secret in Base32.
    static func secret() -> String { Base32.encode((0..<20).map { _ in UInt8.random(in: 0...255) }) }
}
