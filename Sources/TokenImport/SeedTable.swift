import CPrefetch

/// The seeds of one file's accepted rows, as 64-bit fingerprints, for `secret_duplicate` within
/// the file.
///
/// Written by hand for memory and speed: each slot is three 32-bit words in one array, the
/// fingerprint and the row's line side by side, so a row touches one place in memory (a
/// `ByteKeyTable` of 16-byte keys measured 46 MB more for a million rows; fingerprints and lines
/// in two arrays, twice the time). The fingerprint is a multiply-and-fold hash keyed at random per
/// process (SipHash through Swift's `Hasher` cost four times as much per seed), so it says
/// nothing of a seed outside this process. Two different seeds share a 64-bit fingerprint with a
/// probability of about 3 in 100 million over a million rows; a seed repeated is always found.
struct SeedTable {
    /// Per slot: fingerprint high and low words (both 0: empty; a fingerprint is never 0) and the
    /// line (0: a slot whose row was not kept after all, see `forget`).
    private var words = [UInt32](repeating: 0, count: 3 * 1024)
    private var slotCount = 1024
    private var count = 0

    /// The fingerprint's keys, drawn once per process.
    private static let keys: (UInt64, UInt64) = {
        var generator = SystemRandomNumberGenerator()
        return (generator.next(), generator.next())
    }()

    /// The fingerprint of a seed's bytes: each 8-byte word folded in through a full-avalanche mix.
    static func print(_ seed: UnsafeRawBufferPointer) -> UInt64 {
        let keys = Self.keys
        var hash = keys.0 ^ (UInt64(seed.count) &* 0x9E37_79B9_7F4A_7C15)
        var offset = 0
        while offset + 8 <= seed.count {
            hash = mix(hash ^ UInt64(littleEndian: seed.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            offset += 8
        }
        var tail: UInt64 = 0
        while offset < seed.count {
            tail = tail << 8 | UInt64(seed[offset])
            offset += 1
        }
        hash = mix(hash ^ tail ^ keys.1)
        return hash == 0 ? 1 : hash
    }

    /// MurmurHash3's 64-bit finaliser: a bijection in which every input bit moves every output bit.
    private static func mix(_ value: UInt64) -> UInt64 {
        var x = value
        x ^= x >> 33
        x &*= 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        x &*= 0xC4CE_B9FE_1A85_EC53
        x ^= x >> 33
        return x
    }

    static func print(_ seed: [UInt8]) -> UInt64 { seed.withUnsafeBytes { print($0) } }

    /// Starts loading the slot where a lookup of `print` begins (see `ByteKeyTable.prefetch(hash:)`).
    func prefetch(_ print: UInt64) {
        words.withUnsafeBufferPointer { words in
            oathctl_prefetch(words.baseAddress! + 3 * (Int(truncatingIfNeeded: print) & (slotCount - 1)))
        }
    }

    /// The line of an earlier kept row with this fingerprint, or nil.
    func line(of print: UInt64) -> Int? {
        let slot = locate(print)
        return words.withUnsafeBufferPointer { words in
            let line = words[3 * slot + 2]
            return line != 0 && Self.fingerprint(words, slot) == print ? Int(line) : nil
        }
    }

    /// Records a fingerprint with its line, or returns the line of the kept row that has it.
    /// - Returns: the earlier line (nothing recorded), or nil and the slot now holding this row's
    ///   line (for `forget`, should the row be rejected after all).
    mutating func insert(_ print: UInt64, line: Int) -> (earlier: Int?, slot: Int) {
        let slot = locate(print)
        let line32 = UInt32(clamping: max(1, line))
        let earlier: Int? = words.withUnsafeMutableBufferPointer { words in
            let base = 3 * slot
            if Self.fingerprint(UnsafeBufferPointer(words), slot) == print {
                if words[base + 2] != 0 { return Int(words[base + 2]) }
                words[base + 2] = line32
                return nil
            }
            words[base] = UInt32(truncatingIfNeeded: print >> 32)
            words[base + 1] = UInt32(truncatingIfNeeded: print)
            words[base + 2] = line32
            return nil
        }
        if earlier != nil { return (earlier, slot) }
        count += 1
        if count * 4 > slotCount * 3 {
            grow()
            return (nil, locate(print))
        }
        return (nil, slot)
    }

    /// Makes room for `seeds` fingerprints, before any is inserted.
    mutating func reserve(_ seeds: Int) {
        guard count == 0 else { return }
        var size = slotCount
        while seeds * 4 > size * 3 { size *= 2 }
        if size > slotCount {
            slotCount = size
            words = [UInt32](repeating: 0, count: 3 * size)
        }
    }

    /// Drops the line recorded in `slot` (its row was rejected after all): the fingerprint stays
    /// in place for the probing, but no later row is told it repeats a rejected one.
    mutating func forget(slot: Int) { words[3 * slot + 2] = 0 }

    private static func fingerprint(_ words: UnsafeBufferPointer<UInt32>, _ slot: Int) -> UInt64 {
        UInt64(words[3 * slot]) << 32 | UInt64(words[3 * slot + 1])
    }

    /// The slot holding `print`, or the empty slot where it would go (linear probing).
    private func locate(_ print: UInt64) -> Int {
        words.withUnsafeBufferPointer { words in
            let mask = slotCount - 1
            var slot = Int(truncatingIfNeeded: print) & mask
            while true {
                let stored = Self.fingerprint(words, slot)
                if stored == 0 || stored == print { return slot }
                slot = (slot + 1) & mask
            }
        }
    }

    private mutating func grow() {
        let old = words, oldSlots = slotCount
        slotCount *= 2
        words = [UInt32](repeating: 0, count: 3 * slotCount)
        count = 0
        old.withUnsafeBufferPointer { old in
            for slot in 0..<oldSlots {
                let print = Self.fingerprint(old, slot)
                if print != 0 { _ = insert(print, line: Int(old[3 * slot + 2])) }
            }
        }
    }
}
