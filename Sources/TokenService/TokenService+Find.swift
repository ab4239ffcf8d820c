import Foundation
import OATHCore
import TokenDomain

extension TokenService {
    /// Which tokens show `code` now (within the sign-in window around their drift), for a caller who cannot read the serial.
    ///
    /// Read-only for the tokens (it is a lookup, not a sign-in: nothing is marked used), but audited.
    /// Refused when more than the policy's `find.max-matches` tokens match: over many tokens a 6-digit
    /// code matches some by chance, and naming them all would turn `find` into an oracle.
    /// Candidates are read in blocks and checked on every core (each thread with its own cipher context).
    /// Runs on the find lane: a find over a million tokens must not take the cores sign-in checks run on.
    public func find(code: String, user: String? = nil, context: OperationContext) async throws -> [FoundToken] {
        try await lanes.find.run { try await find(code: code, user: user, context: context, blockSize: Self.findBlock) }
    }

    /// Tokens read per block: enough to keep both cores busy, small enough to keep memory flat.
    static let findBlock = 32_768

    /// `find` reading `blockSize` tokens at a time (tests use small blocks to cross many).
    func find(code: String, user: String?, context: OperationContext, blockSize: Int) async throws -> [FoundToken] {
        let digitCount = code.utf8.filter { $0 >= 0x30 && $0 <= 0x39 }.count
        guard digitCount == 6 || digitCount == 8, let value = try? Verification.parseCode(code, digits: digitCount) else {
            throw StoreError.invalidCode("the code must be 6 or 8 digits")
        }
        let time = clock()
        let policy = try await repository.policy()
        var found: [String: Int] = [:]
        var candidates = 0
        // Each block is checked on the worker threads while the backend reads the next one.
        var pending: FindCheck?
        try await repository.forEachCandidateBlock(digits: digitCount, userKey: user.map(UPN.key), blockSize: blockSize) { block in
            let checking = FindCheck(block: block, key: vault.key, code: value, digits: digitCount, time: UInt64(max(0, time)),
                                     window: policy.verifyWindowSteps, helpers: lanes.findHelpers)
            candidates += block.count
            if let earlier = pending { for (serial, drift) in try earlier.results() { found[serial] = drift } }
            pending = checking
        }
        if let last = pending { for (serial, drift) in try last.results() { found[serial] = drift } }
        var matches: [FoundToken] = []
        for (serial, drift) in found.sorted(by: { $0.key < $1.key }) {
            guard let token = try await repository.token(serial: serial) else { continue }
            matches.append(FoundToken(serial: token.serial, upn: token.upn, status: token.status, drift: drift))
        }
        let tooMany = matches.count > policy.findMaxMatches
        try await transaction(context) { _, stamp in
            Decision(audit: [stamp.entry(.found(matches: matches.map(\.serial), candidates: candidates, refused: tooMany), upn: user)],
                     result: ())
        }
        if tooMany { throw StoreError.tooManyMatches(count: matches.count, limit: policy.findMaxMatches) }
        return matches
    }
}
