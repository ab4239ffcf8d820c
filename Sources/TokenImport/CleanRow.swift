import TokenDomain
import OATHCore

/// A row that passed every row rule without a single finding, decided on its bytes.
///
/// The clean lane: nearly every row of a vendor file is clean, and deciding that on the record's
/// bytes, without a `String` per field or a `Finding` array, is what lets a million-row file be
/// validated as fast as Python's csv module merely reads it. It only ever answers "clean" or
/// "not sure": anything unusual (a byte outside ASCII, a quote to unescape, an empty UPN, a
/// secret in another encoding, a hash or digits column with a value, any problem) gives nil, and
/// the row takes `RowRules.check`, which words every finding. The two therefore never disagree
/// about a message, and `CleanRowTests` checks that they agree about which rows are clean.
struct CleanRow {
    let line: Int
    /// Trimmed field ranges in the record's bytes.
    let upn: Range<Int>, serial: Range<Int>, secret: Range<Int>, manufacturer: Range<Int>, model: Range<Int>
    let interval: Int

    /// The token this row stores, or nil if it cannot be made here (the row then takes the full check).
    func token(in record: CSVRecord) -> ValidToken? {
        record.bytes.withUnsafeBufferPointer { bytes in
            func text(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
            guard let secret = try? Base32.decode(utf8: record.bytes[secret], maxLength: nil) else { return nil }
            return ValidToken(line: line, upn: text(upn), serial: text(serial), secret: Secret(bytes: secret),
                              interval: interval, manufacturer: text(manufacturer), model: text(model))
        }
    }
}

extension RowRules {
    /// The row as a `CleanRow` when `check` would accept it with no finding at all; nil when not
    /// sure (then `check` decides and words why).
    func cleanRow(_ record: CSVRecord, header: Header) -> CleanRow? {
        guard record.problem == nil, record.fieldCount == header.fieldCount,
              record.ranges.count == header.fieldCount, secretEncoding == .base32 else { return nil }
        return record.bytes.withUnsafeBufferPointer { bytes -> CleanRow? in
            var upn = 0..<0, serial = 0..<0, secret = 0..<0, manufacturer = 0..<0, model = 0..<0, interval = 0
            for (index, column) in header.columnAt.enumerated() {
                guard let column else { continue }
                let field = Self.trimmed(record.ranges[index], in: bytes)
                // Only ASCII: the full check handles UTF-8 (and says when a field is not UTF-8).
                if !record.isASCII, bytes[field].contains(where: { $0 >= 0x80 }) { return nil }
                switch column {
                case .upn: upn = field
                case .serial: serial = field
                case .secret: secret = field
                case .interval:
                    guard let seconds = Self.interval(bytes, field) else { return nil }
                    interval = seconds
                case .manufacturer: manufacturer = field
                case .model: model = field
                case .hash, .digits: if !field.isEmpty { return nil }
                }
            }
            guard !upn.isEmpty, !bytes[upn].contains(UInt8(ascii: "'")),
                  UPN.problem(bytes: UnsafeBufferPointer(rebasing: bytes[upn])) == nil,
                  !serial.isEmpty, serial.count <= Self.maxSerialLength,
                  Self.isSerial(bytes[serial]),
                  manufacturer.count <= Self.maxNameLength, model.count <= Self.maxNameLength,
                  Self.isPrintableASCII(bytes[manufacturer]), Self.isPrintableASCII(bytes[model]),
                  secret.count <= Base32.uploadMaxLength,
                  let secretBytes = Base32.decodedCount(validating: UnsafeBufferPointer(rebasing: bytes[secret])),
                  secretBytes * 8 >= Self.minSecretBits,
                  !manufacturer.isEmpty, !model.isEmpty, interval != 0 else { return nil }
            return CleanRow(line: record.line, upn: upn, serial: serial, secret: secret,
                            manufacturer: manufacturer, model: model, interval: interval)
        }
    }

    /// The `SeedTable` fingerprint of a Base32 seed, decoded on the stack and wiped; nil when it is
    /// not Base32 (the clean lane takes it first, so the table's slot loads while the row is checked).
    static func seedPrint(base32 text: UnsafeBufferPointer<UInt8>) -> UInt64? {
        guard text.count <= Base32.uploadMaxLength else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: text.count) { buffer in
            defer { buffer.initialize(repeating: 0) }
            guard let count = Base32.decode(validating: text, into: buffer) else { return nil }
            return SeedTable.print(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: buffer[..<count])))
        }
    }

    /// True for ASCII without control characters (the field is known to be ASCII).
    static func isPrintableASCII(_ bytes: some Sequence<UInt8>) -> Bool {
        bytes.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
    }

    /// `range` without leading and trailing spaces and tabs, as `TokenFields` trims.
    static func trimmed(_ range: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        var start = range.lowerBound, end = range.upperBound
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return start..<end
    }

    /// 30 or 60 for exactly `30` or `60`, else nil.
    private static func interval(_ bytes: UnsafeBufferPointer<UInt8>, _ field: Range<Int>) -> Int? {
        guard field.count == 2, bytes[field.lowerBound + 1] == UInt8(ascii: "0") else { return nil }
        switch bytes[field.lowerBound] {
        case UInt8(ascii: "3"): return 30
        case UInt8(ascii: "6"): return 60
        default: return nil
        }
    }
}
