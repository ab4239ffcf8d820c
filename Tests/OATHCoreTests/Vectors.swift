import Foundation

/// Reads the shared test-vector tables (`../shared/vectors/*.tsv`) at test time.
enum Vectors {
    /// `shared/vectors` beside the repository, or `OATHCTL_VECTORS` when set.
    static let directory: URL = {
        if let path = ProcessInfo.processInfo.environment["OATHCTL_VECTORS"] { return URL(fileURLWithPath: path) }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared/vectors")
    }()

    /// Every table the tests read.
    static let files = ["rfc4648_base32.tsv", "rfc4226_hotp.tsv", "rfc6238.tsv", "differential_totp.tsv"]

    static var isPresent: Bool { FileManager.default.fileExists(atPath: directory.path) }

    /// The rows of a TSV file as dictionaries keyed by its header; none when the file is missing,
    /// which `PrerequisiteTests` reports (tests take their arguments from here before any runs).
    static func table(_ name: String) -> [[String: String]] {
        let url = directory.appendingPathComponent(name)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while lines.last == "" { lines.removeLast() }
        let header = lines.removeFirst().split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        return lines.map { line in
            let cells = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            precondition(cells.count == header.count, "bad vector row in \(name): \(line)")
            return Dictionary(uniqueKeysWithValues: zip(header, cells))
        }
    }
}
