import Dispatch
import Foundation
import GRDB
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
            try statement.setArguments(user.map { [digitCount, $0.lowercased()] } ?? [digitCount])
            let handle = statement.sqliteStatement
            var found: [String: Int] = [:]
            var candidates = 0
            var block: [Candidate] = []
            block.reserveCapacity(Self.findBlock)
            var more = true
            while more {
                block.removeAll(keepingCapacity: true)
                while block.count < Self.findBlock {
                    let step = sqlite3_step(handle)
                    if step == SQLITE_DONE { more = false; break }
                    guard step == SQLITE_ROW else { throw StoreError.database(String(cString: sqlite3_errmsg(db.sqliteConnection))) }
                    block.append(Candidate(statement: handle))
                }
                candidates += block.count
                for (serial, drift) in try check(block, code: value, digits: digitCount, time: time, window: policy.verifyWindowSteps) {
                    found[serial] = drift
                }
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

    /// One candidate row, copied out of SQLite.
    private struct Candidate: Sendable {
        var serial: String
        var sealed: [UInt8]
        var interval: UInt64
        var hash: HashAlgorithm
        var drift: Int

        init(statement: OpaquePointer) {
            serial = String(cString: sqlite3_column_text(statement, 0))
            let length = Int(sqlite3_column_bytes(statement, 1))
            sealed = length > 0 ? Array(UnsafeRawBufferPointer(start: sqlite3_column_blob(statement, 1), count: length)) : []
            interval = UInt64(sqlite3_column_int64(statement, 2))
            hash = HashAlgorithm(rawValue: String(cString: sqlite3_column_text(statement, 3))) ?? .sha1
            drift = Int(sqlite3_column_int64(statement, 4))
        }
    }

    /// The serials (and drifts) of a block that show the code, checked on every core.
    private func check(_ block: [Candidate], code: UInt32, digits: Int, time: UInt64, window: Int) throws -> [(String, Int)] {
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
        let slice = (block.count + workers - 1) / workers
        let slots = WorkerSlots(count: workers)
        let key = self.key
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let box = SecretBox(key: key)
            var found: [(String, Int)] = []
            for candidate in block.dropFirst(worker * slice).prefix(slice) {
                guard let secret = try? box.open(candidate.sealed, serial: candidate.serial) else {
                    slots.fail(worker)
                    return
                }
                let request = Verification.Request(time: time, step: candidate.interval, digits: digits, window: window, drift: candidate.drift)
                if let match = try? Verification.verify(code: code, key: HMACKey(secret: secret, algorithm: candidate.hash), request: request) {
                    found.append((candidate.serial, match.drift))
                }
            }
            slots.store(found, at: worker)
        }
        let (results, failed) = slots.contents
        if failed { throw StoreError.wrongKey }
        return results.flatMap { $0 }
    }
}

/// One result slot per worker thread; each thread writes only its own slot.
private final class WorkerSlots: @unchecked Sendable {
    private var results: [[(String, Int)]]
    private var failed: [Bool]
    private let lock = NSLock()

    init(count: Int) {
        results = Array(repeating: [], count: count)
        failed = Array(repeating: false, count: count)
    }

    func store(_ found: [(String, Int)], at worker: Int) { lock.withLock { results[worker] = found } }
    func fail(_ worker: Int) { lock.withLock { failed[worker] = true } }
    var contents: ([[(String, Int)]], Bool) { lock.withLock { (results, failed.contains(true)) } }
}
