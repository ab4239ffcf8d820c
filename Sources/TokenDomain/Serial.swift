/// Serial numbers as compared: case-insensitively over ASCII (`Z0` and `z0` are one token).
///
/// A serial is stored as given and looked up by this key (the store's `serial_key` column holds
/// SQLite's `lower(serial)`, which folds ASCII alone, exactly as this does). Serials are printable
/// ASCII (`RowRules.isSerialCharacter`), so nothing else needs folding.
public enum Serial {
    /// The serial's lookup key.
    public static func key(_ serial: String) -> String {
        var serial = serial
        let hasCapitals = serial.withUTF8 { $0.contains { $0 >= 0x41 && $0 <= 0x5A } }
        guard hasCapitals else { return serial }
        return String(decoding: serial.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// Calls `body` with an ASCII serial's key as bytes, without allocating (the clean lane's form of `key`).
    @inlinable
    public static func withKey<R>(ascii serial: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try UPN.withKey(ascii: serial, body)
    }
}
