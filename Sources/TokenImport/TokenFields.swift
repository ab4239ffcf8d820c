import TokenDomain
/// The fields of one record, by column, trimmed of surrounding spaces. The secret stays bytes.
///
/// Works on bytes and makes one `String` per text field: this runs once per row of files with
/// a million rows, where `String` trimming and search cost more than the whole CSV parse.
struct TokenFields {
    var line: Int
    var upn = ""
    var serial = ""
    var secret: ArraySlice<UInt8> = []
    var interval = ""
    var manufacturer = ""
    var model = ""
    var hash = ""
    var digits = ""
    /// Columns whose bytes were not valid UTF-8.
    var badEncoding: [Column] = []

    /// - Parameter rules: users by serial for rows whose UPN is empty (`--upn-map`), and the
    ///   manufacturer and model for rows that name none.
    init(record: CSVRecord, header: Header, rules: RowRules = RowRules()) {
        line = record.line
        defer {
            if upn.isEmpty, !rules.upnMap.isEmpty, let mapped = rules.upnMap[Serial.key(serial)] { upn = mapped }
            if manufacturer.isEmpty { manufacturer = rules.defaultManufacturer }
            if model.isEmpty { model = rules.defaultModel }
        }
        for (index, column) in header.columnAt.enumerated() {
            guard let column, let raw = record.field(index)?.trimmingSpaceBytes() else { continue }
            if column == .secret {
                secret = raw
                continue
            }
            guard let text = Self.text(raw) else {
                badEncoding.append(column)
                continue
            }
            switch column {
            case .upn: upn = Self.unescapingQuotes(raw, text)
            case .serial: serial = text
            case .interval: interval = text
            case .manufacturer: manufacturer = text
            case .model: model = text
            case .hash: hash = text
            case .digits: digits = text
            case .secret: break
            }
        }
    }

    /// The field as a `String`, or nil when it is not valid UTF-8.
    private static func text(_ bytes: ArraySlice<UInt8>) -> String? {
        if bytes.allSatisfy({ $0 < 0x80 }) { return String(decoding: bytes, as: UTF8.self) }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The upload format writes a quote in a UPN twice (`my''user@contoso.com`): read it as one.
    private static func unescapingQuotes(_ bytes: ArraySlice<UInt8>, _ text: String) -> String {
        let quote = UInt8(ascii: "'")
        guard bytes.contains(quote) else { return text }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var previousWasQuote = false
        for byte in bytes {
            if byte == quote, previousWasQuote {
                previousWasQuote = false
                continue
            }
            previousWasQuote = byte == quote
            out.append(byte)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension ArraySlice<UInt8> {
    /// The slice without leading and trailing spaces and tabs (one slice made, not one per byte).
    func trimmingSpaceBytes() -> ArraySlice<UInt8> {
        var start = startIndex, end = endIndex
        while start < end, self[start] == 0x20 || self[start] == 0x09 { start += 1 }
        while end > start, self[end - 1] == 0x20 || self[end - 1] == 0x09 { end -= 1 }
        return start == startIndex && end == endIndex ? self : self[start..<end]
    }
}
