import CPrefetch

/// The seeds of one file's accepted rows, as 64-bit fingerprints, for `secret_duplicate` within
/// the file.
///
/// Written by hand for memory and speed: a fingerprint and a line number per slot (12 bytes;
/// a `ByteKeyTable` of 16-byte keys measured 46 MB more for a million rows, and a `Set` more
/// still). The fingerprint is SipHash-1-3 (Swift's `Hasher`, keyed at random per process), so it
/// says nothing of a seed outside this process. Two different seeds share a 64-bit fingerprint
/// with a probability of about 3 in 100 million over a million rows; a seed repeated is always found.
struct SeedTable {
    /// Fingerprints (0: an empty slot; a fingerprint is never 0) and the line of each.
    private var prints = [UInt64](repeating: 0, count: 1024)
    private var lines = [Int32](repeating: 0, count: 1024)
    private var count = 0

    /// The fingerprint of a seed's bytes.
    static func print(_ seed: UnsafeRawBufferPointer) -> UInt64 {
        var hasher = Hasher()
        hasher.combine(bytes: seed)
        let value = UInt64(bitPattern: Int64(hasher.finalize()))
        return value == 0 ? 1 : value
    }

    static func print(_ seed: [UInt8]) -> UInt64 { seed.withUnsafeBytes { print($0) } }

    /// The line of an earlier row with this fingerprint, or nil.
    func line(of print: UInt64) -> Int? {
        let slot = locate(print)
        return prints[slot] == print ? Int(lines[slot]) : nil
    }

    /// Records a fingerprint with its line (the first line stays when it is there already).
    mutating func insert(_ print: UInt64, line: Int) {
        let slot = locate(print)
        guard prints[slot] == 0 else { return }
        prints[slot] = print
        lines[slot] = Int32(clamping: line)
        count += 1
        if count * 4 > prints.count * 3 { grow() }
    }

    /// Starts loading the slot where a lookup of `print` begins (see `ByteKeyTable.prefetch(hash:)`).
    func prefetch(_ print: UInt64) {
        prints.withUnsafeBufferPointer { oathctl_prefetch($0.baseAddress! + (Int(truncatingIfNeeded: print) & ($0.count - 1))) }
    }

    /// The slot holding `print`, or the empty slot where it would go (linear probing).
    private func locate(_ print: UInt64) -> Int {
        prints.withUnsafeBufferPointer { prints in
            let mask = prints.count - 1
            var slot = Int(truncatingIfNeeded: print) & mask
            while prints[slot] != 0, prints[slot] != print { slot = (slot + 1) & mask }
            return slot
        }
    }

    private mutating func grow() {
        let oldPrints = prints, oldLines = lines
        prints = [UInt64](repeating: 0, count: oldPrints.count * 2)
        lines = [Int32](repeating: 0, count: oldPrints.count * 2)
        count = 0
        for (print, line) in zip(oldPrints, oldLines) where print != 0 { insert(print, line: Int(line)) }
    }
}
