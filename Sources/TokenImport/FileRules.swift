import TokenDomain
import OATHCore

/// Rules across rows and against the store: one user per token, at most five methods per user,
/// one seed per token.
///
/// Keeps one small entry per serial and per user seen (in `ByteKeyTable`s), so memory grows with
/// the file's distinct serials and users, never with its bytes.
struct FileRules {
    /// Most methods (hardware tokens and authenticator apps together) one user may hold.
    let maxMethodsPerUser: Int
    let store: StoreView

    private struct SerialEntry {
        var line: Int32
        var user: Int32 // index into `users`, -1 when unassigned
    }

    /// Keyed by `Serial.key`: serials differing only in case are one token.
    private var serials = ByteKeyTable<SerialEntry>()
    /// The seeds of the rows accepted so far, by fingerprint.
    private var seeds = SeedTable()
    /// Keyed by lowercased UPN; the value is the methods the user holds: in the store plus rows accepted so far.
    private var users = ByteKeyTable<Int32>()

    /// `validate` without a store, or an import into an empty one: nothing needs looking up (nor a `String` made for it).
    private let storeIsEmpty: Bool

    init(maxMethodsPerUser: Int, store: StoreView) {
        self.maxMethodsPerUser = maxMethodsPerUser
        self.store = store
        storeIsEmpty = store.isKnownEmpty
    }

    /// Registers a row that failed its own rules, so later duplicates of its serial are still found.
    mutating func noteRejected(serial: String, upn: String, line: Int) throws {
        let key = Serial.key(serial)
        guard !key.isEmpty, serials.find(key) == nil else { return }
        let user = upn.isEmpty ? -1 : try index(of: upn)
        _ = serials.findOrInsert(key) { SerialEntry(line: Int32(clamping: line), user: user) }
    }

    /// Checks a row that passed its own rules and sets its `storeAction`; returns the errors that reject it (empty: accepted).
    mutating func check(_ token: inout ValidToken) throws -> [Finding] {
        let upn = token.upn ?? ""
        func finding(_ field: Column, _ code: FindingCode, _ message: String) -> Finding {
            Finding(line: token.line, upn: upn, serial: token.serial, field: field, code: code, message: message)
        }
        let user: Int32 = upn.isEmpty ? -1 : try index(of: upn)
        let line = Int32(clamping: token.line)
        let (serialIndex, inserted) = serials.findOrInsert(Serial.key(token.serial)) { SerialEntry(line: line, user: user) }
        if !inserted {
            let earlier = serials.values[serialIndex]
            if earlier.user != user, earlier.user >= 0, user >= 0 {
                return [finding(.upn, .tokenMultipleUsers,
                                "serial \(token.serial) is assigned to \(users.key(at: Int(earlier.user))) on line \(earlier.line) and to \(upn) here; a token belongs to one user only: keep one of the rows")]
            }
            return [finding(.serial, .serialDuplicate, "serial \(token.serial) already appears on line \(earlier.line); remove one of the two rows")]
        }

        let existing = try store.existingToken(serial: token.serial)
        if let existing, let owner = existing.userKey, owner != token.userKey {
            let message = user >= 0
                ? "serial \(token.serial) is already assigned to \(existing.upn ?? owner) in the store; unassign it there first (oathctl unassign) or fix the row"
                : "serial \(token.serial) is assigned to \(existing.upn ?? owner) in the store; this row would leave it unassigned: unassign it there first or give the same user"
            return [finding(.upn, .tokenAssignedElsewhere, message)]
        }
        if existing != nil {
            guard try store.secretMatches(serial: token.serial, secret: token.secret) else {
                return [finding(.secret, .secretConflict,
                                "serial \(token.serial) is in the store with a different secret; a token's seed never changes, so check the vendor file (oathctl never overwrites a stored secret)")]
            }
            if existing?.userKey == token.userKey {
                token.storeAction = .unchanged // already counted in the store
                return []
            }
            token.storeAction = .assign
        }
        let print = SeedTable.print(token.secret.bytes)
        if existing == nil, let duplicate = try duplicateSeed(token.secret, print: print) {
            return [finding(.secret, .secretDuplicate, duplicate)]
        }
        if user >= 0 {
            let held = Int(users.values[Int(user)])
            if held >= maxMethodsPerUser {
                return [finding(.upn, .userTokenLimit,
                                "\(upn) would hold more than \(maxMethodsPerUser) OATH tokens or authenticator apps (\(held) already, counting the store and earlier rows); assign this token to someone else or remove one of theirs")]
            }
        }
        // Only an accepted row's seed is recorded, so a later duplicate names a line that was kept.
        _ = seeds.insert(print, line: token.line)
        guard user >= 0 else { return [] }
        users.update(Int(user)) { $0 += 1 }
        return []
    }

    /// The file rules for a clean row (`CleanRow`), on its bytes: records and accepts a row whose
    /// serial is new to the file and to the store and whose user has a free slot. For anything
    /// else it returns false having recorded nothing but the user's count from the store (which
    /// `check` would record too), and `check` words the finding.
    ///
    /// - Parameters:
    ///   - serialHash: from `prefetchSerial`, called before the row's own checks.
    ///   - seed: the seed itself, only when the store must be asked about it (it is not empty).
    mutating func acceptClean(serial: UnsafeBufferPointer<UInt8>, serialHash: UInt32, upn: UnsafeBufferPointer<UInt8>,
                              seedPrint: UInt64, seed: Secret?, line: Int) throws -> Bool {
        // A static function, so the closure may change the rules' tables without a copy of them being made.
        let user = try UPN.withKey(ascii: upn) { key in
            let store = store, storeIsEmpty = storeIsEmpty
            return try users.findOrInsert(bytes: key) {
                storeIsEmpty ? 0 : Int32(clamping: try store.methodCount(userKey: String(decoding: key, as: UTF8.self)))
            }.index
        }
        if users.values[user] >= maxMethodsPerUser { return false }
        if !storeIsEmpty, try store.existingToken(serial: String(decoding: serial, as: UTF8.self)) != nil { return false }
        if !storeIsEmpty, let seed, try store.serialHoldingSecret(seed) != nil { return false }
        // Recorded here, in the one probe that also finds a repeat; forgotten if the row is not kept.
        let (earlierSeed, seedSlot) = seeds.insert(seedPrint, line: line)
        if earlierSeed != nil { return false }
        // Last, as it is the one change made: a serial seen before is left to `check` to report.
        let inserted = Serial.withKey(ascii: serial) { key in
            serials.findOrInsert(bytes: key, hash: serialHash, { SerialEntry(line: Int32(clamping: line), user: Int32(user)) }).inserted
        }
        guard inserted else {
            seeds.forget(slot: seedSlot)
            return false
        }
        users.update(user) { $0 += 1 }
        return true
    }

    /// Why this seed may not be stored under a new serial (it is on an earlier line, or stored under another serial), or nil.
    private func duplicateSeed(_ secret: Secret, print: UInt64) throws -> String? {
        if let earlier = seeds.line(of: print) {
            return "the secret key is the same as on line \(earlier); every token has its own seed, so one of the two rows is wrong: check the vendor file"
        }
        if !storeIsEmpty, let stored = try store.serialHoldingSecret(secret) {
            return "the secret key is the one of token \(stored) in the store; every token has its own seed, so this row or that token is wrong: check the vendor file"
        }
        return nil
    }

    /// Sizes the serial and seed tables for about `rows` rows.
    mutating func reserve(rows: Int) {
        serials.reserve(rows)
        seeds.reserve(rows)
    }

    /// Starts loading the seed table's slot for a fingerprint (see `prefetchSerial`). Mutating
    /// although it changes nothing: called on the pass's rules, a non-mutating call copied them per row.
    mutating func prefetchSeed(_ print: UInt64) { seeds.prefetch(print) }

    /// Starts loading the serial table's slot for `serial` (see `ByteKeyTable.prefetch(hash:)`);
    /// returns the serial's hash for `acceptClean`.
    func prefetchSerial(_ serial: UnsafeBufferPointer<UInt8>) -> UInt32 {
        let hash = Serial.withKey(ascii: serial) { ByteKeyTable<SerialEntry>.hash($0) }
        serials.prefetch(hash: hash)
        return hash
    }

    private mutating func index(of upn: String) throws -> Int32 {
        let key = UPN.key(upn)
        let store = store
        return Int32(try users.findOrInsert(key) { Int32(clamping: try store.methodCount(userKey: key)) }.index)
    }
}
