import OATHCore

/// Tokens `find` checks, copied out of a backend: serials and sealed seeds back to back in one buffer.
///
/// One buffer per block rather than two arrays per row: the rows are freed on other threads, and a
/// million cross-thread frees measured slower than the cryptography.
public struct CandidateBlock: Sendable {
    public private(set) var bytes: [UInt8] = []
    public private(set) var entries: [Entry] = []
    /// True when the backend has no more rows after this block.
    public var isLast = false

    public struct Entry: Sendable {
        public var serial: Range<Int>
        public var sealed: Range<Int>
        public var interval: UInt64
        public var hash: HashAlgorithm
        public var drift: Int
    }

    public init(capacity: Int) {
        bytes.reserveCapacity(capacity * 64)
        entries.reserveCapacity(capacity)
    }

    public var count: Int { entries.count }

    /// Appends one token; `serial` and `sealed` are copied.
    public mutating func append(serial: UnsafeRawBufferPointer, sealed: UnsafeRawBufferPointer, interval: UInt64,
                                hash: HashAlgorithm, drift: Int) {
        let serialRange = copy(serial), sealedRange = copy(sealed)
        entries.append(Entry(serial: serialRange, sealed: sealedRange, interval: interval, hash: hash, drift: drift))
    }

    private mutating func copy(_ raw: UnsafeRawBufferPointer) -> Range<Int> {
        let start = bytes.count
        bytes.append(contentsOf: raw)
        return start..<bytes.count
    }
}
