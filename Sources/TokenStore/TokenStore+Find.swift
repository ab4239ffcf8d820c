import Foundation
import GRDB
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
    public func find(code: String, user: String? = nil) throws -> [FoundToken] {
        let digitCount = code.utf8.filter { $0 >= 0x30 && $0 <= 0x39 }.count
        guard digitCount == 6 || digitCount == 8, let value = try? Verification.parseCode(code, digits: digitCount) else {
            throw StoreError.invalidCode("the code must be 6 or 8 digits")
        }
        let time = now()
        let (matches, candidates, policy) = try db.read { db -> ([FoundToken], Int, Policy) in
            let policy = try Policy.load(db)
            var sql = "SELECT serial, sealed_secret, upn, status, interval, hash, drift FROM token WHERE digits = ?"
            var arguments: [DatabaseValueConvertible?] = [digitCount]
            if let user {
                sql += " AND user_key = ?"
                arguments.append(user.lowercased())
            }
            var found: [FoundToken] = []
            var candidates = 0
            let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(arguments))
            while let row = try rows.next() {
                candidates += 1
                let serial: String = row["serial"]
                guard let secret = try? box.open(Array(row["sealed_secret"] as Data), serial: serial) else { throw StoreError.wrongKey }
                let key = HMACKey(secret: secret, algorithm: HashAlgorithm(rawValue: row["hash"]) ?? .sha1)
                let interval: Int = row["interval"]
                let request = Verification.Request(time: UInt64(max(0, time)), step: UInt64(interval), digits: digitCount,
                                                   window: policy.verifyWindowSteps, drift: row["drift"])
                if let match = try? Verification.verify(code: value, key: key, request: request) {
                    found.append(FoundToken(serial: serial, upn: row["upn"], status: TokenStatus(rawValue: row["status"]) ?? .available,
                                            drift: match.drift))
                }
            }
            return (found, candidates, policy)
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
}
