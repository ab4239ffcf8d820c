import OATHCore
import TokenImport

/// Accepted rows on their way from the validating thread to the writing thread, packed into one
/// byte buffer per batch.
///
/// Written by hand for speed: handing a million `ValidToken`s (each with several heap-allocated
/// strings and arrays) from one thread to the other made every allocation and release contend
/// for the other thread's malloc arena, which measured slower than doing all the work on one
/// thread. One buffer per batch crosses instead, and the writer binds straight out of it.
struct PackedRows: Sendable {
    private(set) var bytes: [UInt8] = []
    private(set) var count = 0
    /// Rows that assign a stored token rather than add one.
    private(set) var assignCount = 0

    /// Room for `rows` rows of the usual size (about 160 bytes each) without growing.
    init(rows: Int) { bytes.reserveCapacity(rows * 160) }

    var isEmpty: Bool { count == 0 }

    /// Adds a row that stores a new token (`sealed` is its encrypted secret) or assigns an existing one.
    mutating func append(_ token: ValidToken, sealed: [UInt8], fingerprint: [UInt8]) {
        bytes.append(token.storeAction == .add ? 0 : 1)
        bytes.append(UInt8(token.interval))
        bytes.append(UInt8(token.digits))
        appendField(token.serial.utf8)
        appendField(sealed)
        appendField(fingerprint)
        appendField(token.manufacturer.utf8)
        appendField(token.model.utf8)
        appendField(token.hash.rawValue.utf8)
        appendOptional(token.upn)
        appendOptional(token.userKey)
        count += 1
        if token.storeAction != .add { assignCount += 1 }
    }

    private mutating func appendField(_ field: some Collection<UInt8>) {
        let length = UInt32(field.count)
        withUnsafeBytes(of: length.littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: field)
    }

    private mutating func appendOptional(_ text: String?) {
        guard let text else {
            withUnsafeBytes(of: UInt32.max.littleEndian) { bytes.append(contentsOf: $0) }
            return
        }
        appendField(text.utf8)
    }

    /// One row, viewed in place: the buffers are valid only inside `forEach`'s body.
    struct Row {
        var assigns: Bool
        var interval: Int
        var digits: Int
        var serial: UnsafeRawBufferPointer
        var sealed: UnsafeRawBufferPointer
        /// The seed's `SecretFingerprint` (empty for a row that assigns).
        var fingerprint: UnsafeRawBufferPointer
        var manufacturer: UnsafeRawBufferPointer
        var model: UnsafeRawBufferPointer
        /// The hash algorithm's stored name.
        var hash: UnsafeRawBufferPointer
        var upn: UnsafeRawBufferPointer?
        var userKey: UnsafeRawBufferPointer?
    }

    /// Calls `body` with each row in the order appended.
    func forEach(_ body: (Row) throws -> Void) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            func field() -> UnsafeRawBufferPointer? {
                let length = buffer.loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian
                offset += 4
                if length == .max { return nil }
                defer { offset += Int(length) }
                return UnsafeRawBufferPointer(rebasing: buffer[offset..<offset + Int(length)])
            }
            while offset < buffer.count {
                let head = offset
                offset += 3
                let serial = field()!, sealed = field()!, fingerprint = field()!, manufacturer = field()!, model = field()!, hash = field()!
                let upn = field(), userKey = field()
                try body(Row(assigns: buffer[head] == 1, interval: Int(buffer[head + 1]), digits: Int(buffer[head + 2]),
                             serial: serial, sealed: sealed, fingerprint: fingerprint, manufacturer: manufacturer, model: model, hash: hash,
                             upn: upn, userKey: userKey))
            }
        }
    }
}
