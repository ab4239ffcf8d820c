import ArgumentParser
import Foundation
import TokenImport

/// Plain-text tables and CSV for listing commands.
enum Table {
    /// Left-aligned columns separated by two spaces.
    static func render(header: [String], rows: [[String]]) -> String {
        let rows = rows.map { $0.map(DisplayText.escaped) }
        var widths = header.map(\.count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { i, cell in i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }

    /// RFC 4180 CSV with formula-looking cells neutralised, as in the error report.
    static func csv(header: [String], rows: [[String]]) -> String {
        func cell(_ text: String) -> String {
            var text = DisplayText.escaped(text)
            if let first = text.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) { text = "'" + text }
            return text.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        return ([header] + rows).map { $0.map(cell).joined(separator: ",") }.joined(separator: "\n")
    }

    /// Unix seconds as ISO 8601 UTC.
    static func time(_ seconds: Int64?) -> String {
        guard let seconds else { return "" }
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }
}

/// Output of listing commands: for people, scripts or spreadsheets.
enum ListFormat: String, CaseIterable, ExpressibleByArgument {
    case table, json, csv
}
