import Foundation

/// Reads the shared test-vector tables (`../shared/vectors/*.tsv`) at test time.
enum Vectors {
    /// `shared/vectors` beside the repository, or `OATHCTL_VECTORS` when set.
    static let directory: URL = {
        if let path = ProcessInfo.processInfo.environment["OATHCTL_VECTORS"] { return URL(fileURLWithPath: path) }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared/vectors")
    }()

    /// The rows of a TSV file as dictionaries keyed by its header. A missing file is a test failure, not a skip.
    static func table(_ name: String) -> [[String: String]] {
        let url = directory.appendingPathComponent(name)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            fatalError("test vectors not found at \(url.path); set OATHCTL_VECTORS")
        }
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
