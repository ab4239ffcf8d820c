/// Where each known column sits in a file, read from its header row.
///
/// A class, not a struct: the pass hands it to every row's checks, and copying a struct of four
/// collections cost four retains and releases per row of a million-row file.
public final class Header: Sendable {
    /// Field index of each column present.
    public let positions: [Column: Int]
    /// The column at each field index (nil for unknown ones), for a per-row walk without hashing.
    let columnAt: [Column?]
    /// Number of fields in the header; every row must have as many.
    public let fieldCount: Int
    /// Cells naming no known column, with their 1-based position.
    public let unknown: [(position: Int, name: String)]
    /// Columns named twice, with the 1-based position of the second.
    public let duplicated: [(position: Int, column: Column)]

    /// Reads a header record; nil when no cell names a known column (the first row is data, not a header).
    /// - Parameter aliases: extra names (folded) for columns, from `--map`.
    public init?(record: CSVRecord, aliases: [String: Column] = [:]) {
        var positions: [Column: Int] = [:], columnAt: [Column?] = []
        var unknown: [(position: Int, name: String)] = [], duplicated: [(position: Int, column: Column)] = []
        for index in 0..<record.ranges.count {
            let name = String(decoding: record.field(index)!, as: UTF8.self).trimmingSpaces()
            if let column = aliases[Column.fold(name)] ?? Column(header: name) {
                if positions[column] == nil {
                    positions[column] = index
                    columnAt.append(column)
                } else {
                    duplicated.append((index + 1, column))
                    columnAt.append(nil)
                }
            } else {
                unknown.append((index + 1, name))
                columnAt.append(nil)
            }
        }
        if positions.isEmpty { return nil }
        self.positions = positions
        self.columnAt = columnAt
        self.unknown = unknown
        self.duplicated = duplicated
        fieldCount = record.fieldCount
    }

    /// Required columns this header lacks.
    public func missing(entra: Bool) -> [Column] {
        Column.required(entra: entra).filter { positions[$0] == nil }
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
