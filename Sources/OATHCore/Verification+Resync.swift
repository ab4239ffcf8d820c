extension Verification {
    /// Finds two consecutive codes in a wide window: how a helpdesk re-synchronises a token whose
    /// clock drifted beyond the sign-in window.
    ///
    /// The whole window is scanned whatever matches. A pair at or before `lastUsedStep` is a replay,
    /// so a resync never moves the replay floor backwards.
    /// - Returns: the step of the second code, and its drift against the request's time.
    /// - Throws: `Failure.wrongCode` when no consecutive pair matches, `Failure.replayed` when only old pairs do.
    public static func resync(first: UInt32, second: UInt32, key: HMACKey, request: Request) throws(Failure) -> Match {
        let lower = max(0, request.windowStart)
        var previous = OTP.hotp(key: key, counter: UInt64(lower), digits: request.digits)
        return try nearestMatch(request, from: 1, fresh: { $0 - 1 }) { step in
            let current = OTP.hotp(key: key, counter: UInt64(step), digits: request.digits)
            defer { previous = current }
            return (previous ^ first) | (current ^ second) == 0
        }
    }
}
