import Foundation
import Testing
@testable import TokenImport

/// The reader against Python's `csv` module on generated files with quotes, commas and line breaks in fields.
@Suite struct CSVDifferentialTests {
    static let python: String? = ["/usr/bin/python3", "/usr/local/bin/python3"].first { FileManager.default.isExecutableFile(atPath: $0) }
        ?? ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map { "\($0)/python3" }
            .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// A seeded file of `rows` records whose fields mix plain text, commas, quotes and CRLF/LF breaks.
    static func generate(seed: UInt64, rows: Int) -> String {
        var rng = SeededGenerator(seed: seed)
        let pieces = ["a", "Z", "7", " ", ",", "\"", "\n", "\r\n", "é", "x y", "=SUM(1)"]
        var out = ""
        for _ in 0..<rows {
            let fieldCount = Int.random(in: 1...6, using: &rng)
            let fields = (0..<fieldCount).map { _ -> String in
                let text = (0..<Int.random(in: 0...6, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
                let mustQuote = text.unicodeScalars.contains { ",\"\n\r".unicodeScalars.contains($0) } || text.isEmpty
                return mustQuote ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
            }
            out += fields.joined(separator: ",") + (Bool.random(using: &rng) ? "\r\n" : "\n")
        }
        return out
    }

    @Test(.enabled(if: python != nil || Prerequisite.required, "python3 is missing"), arguments: [1, 2, 3, 4, 5] as [UInt64])
    func matchesPythonCSV(seed: UInt64) throws {
        let python = try #require(Self.python, "python3 is missing: the CSV differential test needs it")
        let text = Self.generate(seed: seed, rows: 300)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("csvdiff-\(seed)-\(UUID().uuidString).csv")
        try Data(text.utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import csv,json,sys; print(json.dumps(list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))))", file.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        // Python yields [] for a blank line; oathctl skips blank lines by design.
        let expected = try JSONDecoder().decode([[String]].self, from: data).filter { !$0.isEmpty }

        let ours = try readAll(text).map(\.fields)
        #expect(ours.count == expected.count)
        #expect(ours == expected)
    }
}

/// SplitMix64: reproducible generated inputs.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
