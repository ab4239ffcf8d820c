import COpenSSL
import Dispatch
import Foundation
import GRDB
import TokenImport
import GRDBSQLite
import OATHCore

/// A token that shows a given code now.
public struct FoundToken: Codable, Sendable, Equatable {
    public var serial: String
    public var upn: String?
    public var status: TokenStatus
    /// Steps between the matching step and now.
    public var drift: Int
}

extension TokenStore {
    /// Which tokens show `code` now (within the sign-in window around their drift), for a caller who cannot read the serial.
    ///
    /// Read-only for the tokens (it is a lookup, not a sign-in: nothing is marked used), but audited.
    /// Refused when more than the policy's `find.max-matches` tokens match: over many tokens a 6-digit
    /// code matches some by chance, and naming them all would turn `find` into an oracle.
    /// Candidates are read in blocks and checked on every core (each thread with its own cipher context).
    public func find(code: String, user: String? = nil) throws -> [FoundToken] {
        try find(code: code, user: user, blockSize: Self.findBlock)
    }

    /// `find` reading `blockSize` tokens at a time (tests use small blocks to cross many).
    func find(code: String, user: String?, blockSize: Int) throws -> [FoundToken] {
        let digitCount = code.utf8.filter { $0 >= 0x30 && $0 <= 0x39 }.count
        guard digitCount == 6 || digitCount == 8, let value = try? Verification.parseCode(code, digits: digitCount) else {
            throw StoreError.invalidCode("the code must be 6 or 8 digits")
        }
        let time = UInt64(max(0, now()))
        let (matches, candidates, policy) = try db.read { db -> ([FoundToken], Int, Policy) in
            let policy = try Policy.load(db)
            var sql = "SELECT serial, sealed_secret, interval, hash, drift FROM token WHERE digits = ?"
            if user != nil { sql += " AND user_key = ?" }
            let statement = try db.makeStatement(sql: sql)
            try statement.setArguments(user.map { [digitCount, UPN.key($0)] } ?? [digitCount])
            let handle = statement.sqliteStatement
            var found: [String: Int] = [:]
            var candidates = 0
            // Each block is checked on the worker threads while this thread reads the next one.
            var next = try CandidateBlock(reading: handle, connection: db.sqliteConnection, limit: blockSize)
            while true {
                let block = next
                let checking = FindCheck(block: block, key: key, code: value, digits: digitCount, time: time,
                                         window: policy.verifyWindowSteps)
                candidates += block.entries.count
                if !block.isLast {
                    next = try CandidateBlock(reading: handle, connection: db.sqliteConnection, limit: blockSize)
                }
                for (serial, drift) in try checking.results() { found[serial] = drift }
                if block.isLast { break }
            }
            var tokens: [FoundToken] = []
            for (serial, drift) in found.sorted(by: { $0.key < $1.key }) {
                let token = try Self.fetchToken(db, serial: serial)
                tokens.append(FoundToken(serial: serial, upn: token.upn, status: token.status, drift: drift))
            }
            return (tokens, candidates, policy)
        }
        let tooMany = matches.count > policy.findMaxMatches
        try write { db in
            let named = tooMany ? "not named" : matches.map(\.serial).joined(separator: " ")
            try audit(db, action: tooMany ? "token.find.refused" : "token.find", serial: nil, upn: user,
                      detail: "\(matches.count) of \(candidates) tokens match: \(named)")
        }
        if tooMany { throw StoreError.tooManyMatches(count: matches.count, limit: policy.findMaxMatches) }
        return matches
    }

    /// Tokens read per block: enough to keep both cores busy, small enough to keep memory flat.
    static let findBlock = 32_768

    /// Candidate rows copied out of SQLite: serials and sealed secrets back to back in one buffer.
    ///
    /// One buffer per block rather than two arrays per row: the rows are freed on other threads,
    /// and a million cross-thread frees measured slower than the cryptography.
    fileprivate struct CandidateBlock: Sendable {
        var bytes: [UInt8] = []
        var entries: [Entry] = []
        /// True when the statement is done (stepping it again would start it over).
        var isLast = false

        struct Entry: Sendable {
            var serial: Range<Int>
            var sealed: Range<Int>
            var interval: UInt64
            var hash: HashAlgorithm
            var drift: Int
        }

        /// Steps `statement` (serial, sealed_secret, interval, hash, drift) up to `limit` times; no entries at the end.
        init(reading statement: OpaquePointer, connection: OpaquePointer?, limit: Int) throws {
            bytes.reserveCapacity(limit * 64)
            entries.reserveCapacity(limit)
            while entries.count < limit {
                let step = sqlite3_step(statement)
                if step == SQLITE_DONE {
                    isLast = true
                    break
                }
                guard step == SQLITE_ROW else { throw StoreError.database(String(cString: sqlite3_errmsg(connection))) }
                let serial = append(column: 0, of: statement)
                let sealed = append(column: 1, of: statement)
                let hash = Self.hashAlgorithm(column: 3, of: statement)
                entries.append(Entry(serial: serial, sealed: sealed, interval: UInt64(sqlite3_column_int64(statement, 2)),
                                     hash: hash, drift: Int(sqlite3_column_int64(statement, 4))))
            }
        }

        /// The stored hash name (the schema allows sha1 and sha256), without a `String` for the usual SHA-1.
        private static func hashAlgorithm(column: Int32, of statement: OpaquePointer) -> HashAlgorithm {
            guard let text = sqlite3_column_text(statement, column) else { return .sha1 }
            if sqlite3_column_bytes(statement, column) == 4, memcmp(text, "sha1", 4) == 0 { return .sha1 }
            return HashAlgorithm(rawValue: String(cString: text)) ?? .sha1
        }

        private mutating func append(column: Int32, of statement: OpaquePointer) -> Range<Int> {
            let start = bytes.count
            let length = Int(sqlite3_column_bytes(statement, column))
            if length > 0, let pointer = sqlite3_column_blob(statement, column) {
                bytes.append(contentsOf: UnsafeRawBufferPointer(start: pointer, count: length))
            }
            return start..<bytes.count
        }
    }
}

/// One block of `find` being checked on every core, each thread with its own cipher context.
///
/// Threads take the block a slice at a time, and the reading thread joins them once it has read the
/// next block (`results`): with fixed halves, the worker that shared its core with the reader
/// finished last while the other core idled (a third of the time, measured). One worker per core
/// besides the reader's: with a worker on every core as well, three threads shared two cores, the
/// reader fell behind and the workers waited for it (1M tokens, alternating runs: 0.72-0.87 s
/// against 0.68-0.76 s). Reading with a connection per thread instead, each thread reading and
/// checking its own ranges of ids, measured no faster (0.87-0.93 s against 0.83-0.94 s).
private final class FindCheck: @unchecked Sendable {
    // @unchecked: `nextSlice`, `found` and `failed` are read and written under `lock`.
    private let group = DispatchGroup()
    private let lock = NSLock()
    private var nextSlice = 0
    private var found: [(String, Int)] = []
    private var failed = false
    private let block: TokenStore.CandidateBlock
    private let key: MasterKey
    private let code: UInt32, digits: Int, time: UInt64, window: Int

    /// Tokens a thread takes at a time: small enough that threads finish together, large enough that the lock is rare.
    private static let slice = 512

    init(block: TokenStore.CandidateBlock, key: MasterKey, code: UInt32, digits: Int, time: UInt64, window: Int) {
        self.block = block
        self.key = key
        self.code = code
        self.digits = digits
        self.time = time
        self.window = window
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount - 1, 7))
        for _ in 0..<workers {
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
        func check(_ block: TokenStore.CandidateBlock, _ range: Range<Int>, code: UInt32,
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
