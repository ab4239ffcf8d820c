import Foundation
import Testing
@testable import SecretSealing
import TokenDomain

@Suite struct MasterKeyTests {
    let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("oathctl-key-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    @Test func createdPrivateAndNeverOverwritten() throws {
        let path = directory.appendingPathComponent("k").path
        _ = try MasterKey.create(at: path)
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        #expect(attributes[.size] as? Int == 32)
        #expect(throws: MasterKey.FileError.exists(path: path)) { try MasterKey.create(at: path) }
        _ = try MasterKey.load(from: path)
    }

    @Test func truncatedOpenAndMissingKeysAreRefused() throws {
        let truncated = directory.appendingPathComponent("short").path
        #expect(FileManager.default.createFile(atPath: truncated, contents: Data(repeating: 1, count: 31), attributes: [.posixPermissions: 0o600]))
        #expect(throws: MasterKey.FileError.wrongSize(path: truncated, size: 31)) { try MasterKey.load(from: truncated) }
        let open = directory.appendingPathComponent("open").path
        #expect(FileManager.default.createFile(atPath: open, contents: Data(repeating: 1, count: 32), attributes: [.posixPermissions: 0o644]))
        #expect(throws: MasterKey.FileError.tooOpen(path: open, mode: 0o644)) { try MasterKey.load(from: open) }
        let missing = directory.appendingPathComponent("none").path
        #expect(throws: MasterKey.FileError.missing(path: missing)) { try MasterKey.load(from: missing) }
    }
}
