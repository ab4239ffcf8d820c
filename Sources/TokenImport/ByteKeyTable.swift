import Foundation

/// A compact hash table from short byte strings (serials, UPNs) to small values.
///
/// Written by hand because `Dictionary<String, _>` measured 48-72 MB and SipHash on every row for
/// a million serials; this keeps keys in one byte arena, hashes with FNV-1a and probes linearly,
/// about 30 bytes per key. Keys are compared byte for byte, so lookups are exact.
struct ByteKeyTable<Value> {
    private var arena: [UInt8] = []
    private var keyStart: [UInt32] = []
    private var keyLength: [UInt32] = []
    private var hashes: [UInt32] = []
    private(set) var values: [Value] = []
    /// Open-addressing slots: entry index + 1, or 0 when empty. Always a power of two in size.
    private var slots: [UInt32] = Array(repeating: 0, count: 1024)

    var count: Int { values.count }

    /// The key of entry `index`, as text.
    func key(at index: Int) -> String {
        let start = Int(keyStart[index])
        return String(decoding: arena[start..<start + Int(keyLength[index])], as: UTF8.self)
    }

    /// The entry index for `key`, or nil.
    func find(_ key: some StringProtocol) -> Int? {
        var text = String(key)
        return text.withUTF8 { bytes in locate(bytes, hash: Self.hash(bytes)).found }
    }

    /// The index of `key`'s entry, inserting `make()` first when it is absent; `inserted` says which.
    mutating func findOrInsert(_ key: some StringProtocol, _ make: () throws -> Value) rethrows -> (index: Int, inserted: Bool) {
        var text = String(key)
        return try text.withUTF8 { bytes in
            let hash = Self.hash(bytes)
            let (found, slot) = locate(bytes, hash: hash)
            if let found { return (found, false) }
            let index = values.count
            values.append(try make())
            keyStart.append(UInt32(arena.count))
            keyLength.append(UInt32(bytes.count))
            hashes.append(hash)
            arena.append(contentsOf: bytes)
            slots[slot] = UInt32(index + 1)
            if values.count * 4 > slots.count * 3 { grow() }
            return (index, true)
        }
    }

    mutating func update(_ index: Int, _ change: (inout Value) -> Void) { change(&values[index]) }

    /// The matching entry, or the empty slot where the key would go.
    private func locate(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt32) -> (found: Int?, slot: Int) {
        let mask = slots.count - 1
        var slot = Int(hash) & mask
        while true {
            let entry = slots[slot]
            if entry == 0 { return (nil, slot) }
            let index = Int(entry - 1)
            if hashes[index] == hash, Int(keyLength[index]) == bytes.count, keyEquals(index, bytes) { return (index, slot) }
            slot = (slot + 1) & mask
        }
    }

    /// Compares a stored key with `bytes` without making a slice of the arena.
    private func keyEquals(_ index: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        arena.withUnsafeBufferPointer { arena in
            bytes.isEmpty || memcmp(arena.baseAddress! + Int(keyStart[index]), bytes.baseAddress!, bytes.count) == 0
        }
    }

    private mutating func grow() {
        slots = Array(repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for index in hashes.indices {
            var slot = Int(hashes[index]) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = UInt32(index + 1)
        }
    }

    /// FNV-1a, 32 bits: fast on short keys; linear probing copes with its weaker mixing.
    private static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        for byte in bytes { h = (h ^ UInt32(byte)) &* 16_777_619 }
        return h
    }
}
