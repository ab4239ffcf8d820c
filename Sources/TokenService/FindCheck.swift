import COpenSSL
import Dispatch
import Foundation
import OATHCore
import SecretSealing
import TokenDomain

/// One block of `find` being checked by the reading thread and its helpers, each thread with its
/// own cipher context.
///
/// Threads take the block a slice at a time, and the reading thread joins them once it has read the
/// next block (`results`): with fixed halves, the worker that shared its core with the reader
/// finished last while the other core idled (a third of the time, measured). On the command line,
/// one helper per core besides the reader's: with a worker on every core as well, three threads
/// shared two cores, the reader fell behind and the workers waited for it (1M tokens, alternating
/// runs: 0.72-0.87 s against 0.68-0.76 s). On a server, no helper: the other core is the sign-in
/// checks'. Reading with a connection per thread instead, each thread reading and checking its own
/// ranges of ids, measured no faster (0.87-0.93 s against 0.83-0.94 s).
final class FindCheck: @unchecked Sendable {
    // @unchecked: `nextSlice`, `found` and `failed` are read and written under `lock`.
    private let group = DispatchGroup()
    private let lock = NSLock()
    private var nextSlice = 0
    private var found: [(String, Int)] = []
    private var failed = false
    private let block: CandidateBlock
    private let key: MasterKey
    private let code: UInt32, digits: Int, time: UInt64, window: Int

    /// Tokens a thread takes at a time: small enough that threads finish together, large enough that the lock is rare.
    private static let slice = 512

    /// - Parameter helpers: threads that check beside the reading thread (`WorkLanes.findHelpers`).
    init(block: CandidateBlock, key: MasterKey, code: UInt32, digits: Int, time: UInt64, window: Int, helpers: Int) {
        self.block = block
        self.key = key
        self.code = code
        self.digits = digits
        self.time = time
        self.window = window
        for _ in 0..<helpers {
            DispatchQueue.global().async(group: group) { [self] in work() }
        }
    }

    /// Helps check the rest of the block, waits for the workers; the serials (and drifts) that show the code.
    func results() throws -> [(String, Int)] {
        work()
        group.wait()
        return try lock.withLock {
            if failed { throw StoreError.wrongKey }
            return found
        }
    }

    /// Checks slices until none is left (or a secret failed to open).
    private func work() {
        let checker = Checker(key: key)
        while let range = takeSlice() {
            do {
                let matches = try checker.check(block, range, code: code, digits: digits, time: time, window: window)
                if !matches.isEmpty { lock.withLock { found += matches } }
            } catch {
                lock.withLock { failed = true }
            }
        }
    }

    private func takeSlice() -> Range<Int>? {
        lock.withLock {
            guard !failed, nextSlice < block.entries.count else { return nil }
            let start = nextSlice
            nextSlice = min(start + Self.slice, block.entries.count)
            return start..<nextSlice
        }
    }

    /// One thread's cipher context, key objects and buffers, kept across the slices it checks.
    ///
    /// Buffers are raw pointers held in constants while a slice is checked: arrays in a class's
    /// properties cost an exclusivity check at every access, which measured a tenth of `find`.
    private final class Checker {
        let box: SecretBox
        /// SHA-1 keys (nearly every token) are checked sixteen at a time, one per SIMD lane.
        let lanes = SHA1Lanes()
        /// The serials of the tokens in `lanes`, in lane order.
        let laneSerials = UnsafeMutablePointer<Range<Int>>.allocate(capacity: SHA1Lanes.width)
        /// Where secrets are opened: as long as the longest sealed value so far, wiped when released or replaced.
        private var plaintext = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 0)
        /// The associated data of the token being opened: the fixed prefix, then its serial.
        private var associatedData = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 0)
        private let prefixLength = SecretBox.associatedDataPrefix.count
        /// Keys the lanes do not take (SHA-256, longer than a block): one key object per hash
        /// algorithm, rekeyed per token (no allocation or wipe per token).
        private var keys: [HashAlgorithm: HMACKey] = [:]

        init(key: MasterKey) { box = SecretBox(key: key) }

        deinit {
            OPENSSL_cleanse(plaintext.baseAddress, plaintext.count)
            plaintext.deallocate()
            associatedData.deallocate()
            laneSerials.deallocate()
        }

        /// Opens and checks the tokens of `range`; allocates nothing per token.
        func check(_ block: CandidateBlock, _ range: Range<Int>, code: UInt32,
                   digits: Int, time: UInt64, window: Int) throws -> [(String, Int)] {
            var found: [(String, Int)] = []
            var longestSealed = 0, longestSerial = 0
            for entry in block.entries[range] {
                longestSealed = max(longestSealed, entry.sealed.count)
                longestSerial = max(longestSerial, entry.serial.count)
            }
            reserve(plaintext: longestSealed, serial: longestSerial)
            let plaintext = plaintext, associatedData = associatedData, lanes = lanes, laneSerials = laneSerials
            try block.bytes.withUnsafeBufferPointer { bytes in
                func checkLanes() {
                    lanes.forEachMatch(code: code) { lane, match in
                        found.append((String(decoding: bytes[laneSerials[lane]], as: UTF8.self), match.drift))
                    }
                }
                for entry in block.entries[range] {
                    let serial = UnsafeBufferPointer(rebasing: bytes[entry.serial])
                    _ = UnsafeMutableBufferPointer(rebasing: associatedData[prefixLength...]).initialize(from: serial)
                    let aad = UnsafeBufferPointer(rebasing: associatedData[..<(prefixLength + serial.count)])
                    let length = try box.open(UnsafeBufferPointer(rebasing: bytes[entry.sealed]), associatedData: aad, into: plaintext)
                    let secret = UnsafeBufferPointer(rebasing: plaintext[..<length])
                    let request = Verification.Request(time: time, step: entry.interval, digits: digits, window: window, drift: entry.drift)
                    if entry.hash == .sha1, lanes.add(key: secret, request: request) {
                        laneSerials[lanes.count - 1] = entry.serial
                        if lanes.isFull { checkLanes() }
                    } else if let match = try? Verification.verify(code: code, key: key(secret, entry.hash), request: request) {
                        found.append((String(decoding: serial, as: UTF8.self), match.drift))
                    }
                }
                checkLanes()
            }
            return found
        }

        /// Makes the buffers long enough for the longest sealed value and serial of a slice.
        private func reserve(plaintext sealedLength: Int, serial serialLength: Int) {
            if plaintext.count < sealedLength {
                OPENSSL_cleanse(plaintext.baseAddress, plaintext.count)
                plaintext.deallocate()
                plaintext = .allocate(capacity: sealedLength)
                plaintext.initialize(repeating: 0)
            }
            if associatedData.count < prefixLength + serialLength {
                associatedData.deallocate()
                associatedData = .allocate(capacity: prefixLength + serialLength)
                _ = associatedData.initialize(from: SecretBox.associatedDataPrefix + [UInt8](repeating: 0, count: serialLength))
            }
        }

        /// This thread's key object for `algorithm`, holding `secret`.
        private func key(_ secret: UnsafeBufferPointer<UInt8>, _ algorithm: HashAlgorithm) -> HMACKey {
            if let reused = keys[algorithm] {
                reused.rekey(secret)
                return reused
            }
            let made = HMACKey(key: secret, algorithm: algorithm)
            keys[algorithm] = made
            return made
        }
    }
}
