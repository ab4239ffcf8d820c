import COpenSSL
import CSHA1Lanes

/// Window checks for up to sixteen HMAC-SHA-1 keys at once, one key per SIMD lane (`CSHA1Lanes`).
///
/// For `find`, which checks a window of codes for every token of a store: with libcrypto each code
/// is two SHA-1 compressions of one message at a time; sixteen lanes of AVX-512 compute 3.6 times as
/// many codes per second on one core (`make bench` prints the figures). Add keys with `add`,
/// then `forEachMatch` checks them all and wipes them, ready for the next group. One object per thread.
public final class SHA1Lanes {
    /// Keys checked side by side.
    public static let width = Int(OATHCTL_SHA1_LANES)
    /// Longest key a lane takes: one SHA-1 block. Longer keys would be hashed first (RFC 2104); `HMACKey` does that.
    public static let maxKeyLength = 64

    /// Each lane's key, zero-padded to 64 bytes, lane after lane. Secret: wiped by `forEachMatch` and on release.
    private let keys = UnsafeMutablePointer<UInt8>.allocate(capacity: width * maxKeyLength)
    /// The keys' inner and outer hash states (word-major: word i of lane l at i * width + l). As secret as the keys.
    private let inner = UnsafeMutablePointer<UInt32>.allocate(capacity: 5 * width)
    private let outer = UnsafeMutablePointer<UInt32>.allocate(capacity: 5 * width)
    /// Each lane's window. Buffers rather than arrays: the hot loop then makes no exclusivity checks.
    private let requests = UnsafeMutablePointer<Verification.Request>.allocate(capacity: width)
    /// The first step of each lane's window (it may be before step 0; such steps are never asked for).
    private let firstSteps = UnsafeMutablePointer<Int64>.allocate(capacity: width)
    private let counters = UnsafeMutablePointer<UInt64>.allocate(capacity: width)
    private let truncated = UnsafeMutablePointer<UInt32>.allocate(capacity: width)
    /// Lanes holding a key.
    public private(set) var count = 0

    public init() {
        keys.initialize(repeating: 0, count: Self.width * Self.maxKeyLength)
        inner.initialize(repeating: 0, count: 5 * Self.width)
        outer.initialize(repeating: 0, count: 5 * Self.width)
        firstSteps.initialize(repeating: 0, count: Self.width)
        counters.initialize(repeating: 0, count: Self.width)
        truncated.initialize(repeating: 0, count: Self.width)
    }

    deinit {
        wipe()
        for pointer in [UnsafeMutableRawPointer(keys), UnsafeMutableRawPointer(inner), UnsafeMutableRawPointer(outer),
                        UnsafeMutableRawPointer(requests), UnsafeMutableRawPointer(firstSteps),
                        UnsafeMutableRawPointer(counters), UnsafeMutableRawPointer(truncated)] {
            pointer.deallocate()
        }
    }

    public var isFull: Bool { count == Self.width }

    /// Which implementation runs here: "AVX-512", "AVX2" or "portable".
    public static var implementation: String {
        switch oathctl_sha1_lanes_level() {
        case 3: "AVX-512"
        case 2: "AVX2"
        default: "portable"
        }
    }

    /// Puts `key`, to be checked over `request`'s window, in the next lane. False (and nothing taken)
    /// when every lane is full or the key is longer than `maxKeyLength`: check that key with
    /// `HMACKey` and `Verification.verify` instead.
    public func add(key: UnsafeBufferPointer<UInt8>, request: Verification.Request) -> Bool {
        guard count < Self.width, key.count <= Self.maxKeyLength else { return false }
        if let base = key.baseAddress {
            (keys + count * Self.maxKeyLength).update(from: base, count: key.count)
        }
        (requests + count).initialize(to: request)
        count += 1
        return true
    }

    /// Checks `code` in every lane's window and calls `body` with each lane (in the order added) where
    /// `Verification.verify` would accept it, and the match it would return: the nearest fresh step.
    /// Every step of every window is computed (no early exit). Then the keys are wiped and the lanes freed.
    public func forEachMatch(code: UInt32, _ body: (_ lane: Int, _ match: Verification.Match) -> Void) {
        defer { wipe() }
        oathctl_hmac_sha1_lanes_init(inner, outer, keys)
        var widest = 0
        for lane in 0..<count {
            firstSteps[lane] = requests[lane].windowStart
            widest = max(widest, 2 * requests[lane].window + 1)
        }
        withUnsafeTemporaryAllocation(of: Bool.self, capacity: count * widest) { matched in
            for offset in 0..<widest {
                for lane in 0..<count { counters[lane] = UInt64(clamping: firstSteps[lane] + Int64(offset)) }
                oathctl_hotp_sha1_lanes(inner, outer, counters, truncated)
                for lane in 0..<count {
                    let modulus = OTP.powersOfTen[requests[lane].digits]
                    matched[lane * widest + offset] = ((truncated[lane] % modulus) ^ code) == 0
                }
            }
            for lane in 0..<count {
                let first = firstSteps[lane]
                let match = try? Verification.nearestMatch(requests[lane], from: 0, fresh: { $0 }) { step in
                    matched[lane * widest + Int(step - first)]
                }
                if let match { body(lane, match) }
            }
        }
    }

    /// Zeroes the keys and their states and frees every lane.
    private func wipe() {
        OPENSSL_cleanse(keys, Self.width * Self.maxKeyLength)
        OPENSSL_cleanse(inner, 5 * Self.width * 4)
        OPENSSL_cleanse(outer, 5 * Self.width * 4)
        requests.deinitialize(count: count)
        count = 0
    }
}
