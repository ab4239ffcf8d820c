import CPrefetch
import Foundation

/// A compact hash table from short byte strings (serials, UPNs) to small values.
///
/// Written by hand because `Dictionary<String, _>` measured 48-72 MB and SipHash on every row for
/// a million serials; this keeps keys in one byte arena, hashes with FNV-1a and probes linearly,
/// about 25 bytes per key. Keys are compared byte for byte, so lookups are exact.
///
/// Each slot holds the key's hash beside its entry index, so a probe that meets another key
/// (or an absent one, the usual case for a serial) touches one cache line, not four: with a
/// million keys the tables outgrow the caches and each line touched is a memory round trip.
struct ByteKeyTable<Value> {
    private var arena: [UInt8] = []
    /// Where each entry's key starts in `arena`; it ends where the next one starts (keys are
    /// appended in entry order), so no length is stored: 4 MB less for a million serials.
    private var keyStart: [UInt32] = []
    private(set) var values: [Value] = []
    /// Open-addressing slots: hash << 32 | (entry index + 1), or 0 when empty. A power of two in size.
    private var slots: [UInt64] = Array(repeating: 0, count: 1024)

    var count: Int { values.count }

    /// The key of entry `index`, as text.
    func key(at index: Int) -> String {
        String(decoding: arena[keyRange(index)], as: UTF8.self)
    }

    private func keyRange(_ index: Int) -> Range<Int> {
        Int(keyStart[index])..<(index + 1 < keyStart.count ? Int(keyStart[index + 1]) : arena.count)
    }

    /// The entry index for `key`, or nil.
    func find(_ key: some StringProtocol) -> Int? {
        var text = String(key)
        return text.withUTF8 { find(bytes: $0) }
    }

    /// The entry index for a key given as UTF-8 bytes, or nil.
    func find(bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        locate(bytes, hash: Self.hash(bytes)).found
    }

    /// The index of `key`'s entry, inserting `make()` first when it is absent; `inserted` says which.
    mutating func findOrInsert(_ key: some StringProtocol, _ make: () throws -> Value) rethrows -> (index: Int, inserted: Bool) {
        var text = String(key)
        return try text.withUTF8 { try findOrInsert(bytes: $0, make) }
    }

    /// `findOrInsert(_:_:)` for a key given as UTF-8 bytes.
    mutating func findOrInsert(bytes: UnsafeBufferPointer<UInt8>, _ make: () throws -> Value) rethrows -> (index: Int, inserted: Bool) {
        try findOrInsert(bytes: bytes, hash: Self.hash(bytes), make)
    }

    /// `findOrInsert(bytes:_:)` with the key's hash already computed (for `prefetch(hash:)`).
    mutating func findOrInsert(bytes: UnsafeBufferPointer<UInt8>, hash: UInt32,
                               _ make: () throws -> Value) rethrows -> (index: Int, inserted: Bool) {
        let (found, slot) = locate(bytes, hash: hash)
        if let found { return (found, false) }
        let index = values.count
        values.append(try make())
        keyStart.append(UInt32(arena.count))
        arena.append(contentsOf: bytes)
        slots[slot] = UInt64(hash) << 32 | UInt64(index + 1)
        if values.count * 4 > slots.count * 3 { grow() }
        return (index, true)
    }

    mutating func update(_ index: Int, _ change: (inout Value) -> Void) { change(&values[index]) }

    /// Makes room for `keys` keys in the slots, before any is inserted.
    mutating func reserve(_ keys: Int) {
        guard values.isEmpty else { return }
        var size = slots.count
        while keys * 4 > size * 3 { size *= 2 }
        if size > slots.count { slots = Array(repeating: 0, count: size) }
    }

    /// Starts loading the slot where a lookup of `hash` begins, without waiting for it: with a
    /// million serials that slot is rarely in a near cache, and waiting for it was a fifth of
    /// `validate`. Call it before other work, then finish with `findOrInsert(bytes:hash:_:)`.
    func prefetch(hash: UInt32) {
        slots.withUnsafeBufferPointer { oathctl_prefetch($0.baseAddress! + (Int(hash) & ($0.count - 1))) }
    }

    /// The matching entry, or the empty slot where the key would go.
    private func locate(_ bytes: UnsafeBufferPointer<UInt8>, hash: UInt32) -> (found: Int?, slot: Int) {
        slots.withUnsafeBufferPointer { slots in
            let mask = slots.count - 1
            var slot = Int(hash) & mask
            while true {
                let entry = slots[slot]
                if entry == 0 { return (nil, slot) }
                if UInt32(truncatingIfNeeded: entry >> 32) == hash {
                    let index = Int(UInt32(truncatingIfNeeded: entry)) - 1
                    if keyEquals(index, bytes) { return (index, slot) }
                }
                slot = (slot + 1) & mask
            }
        }
    }

    /// Compares a stored key with `bytes` without making a slice of the arena.
    private func keyEquals(_ index: Int, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let key = keyRange(index)
        guard key.count == bytes.count else { return false }
        return arena.withUnsafeBufferPointer { arena in
            bytes.isEmpty || memcmp(arena.baseAddress! + key.lowerBound, bytes.baseAddress!, bytes.count) == 0
        }
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: 0, count: old.count * 2)
        let mask = slots.count - 1
        for entry in old where entry != 0 {
            var slot = Int(entry >> 32) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = entry
        }
    }

    /// FNV-1a, 32 bits: fast on short keys; linear probing copes with its weaker mixing.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        for byte in bytes { h = (h ^ UInt32(byte)) &* 16_777_619 }
        return h
    }
}
