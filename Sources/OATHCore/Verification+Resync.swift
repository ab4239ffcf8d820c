extension Verification {
    /// Finds two consecutive codes in a wide window: how a helpdesk re-synchronises a token whose
    /// clock drifted beyond the sign-in window.
    ///
    /// The whole window is scanned whatever matches. A pair at or before `lastUsedStep` is a replay,
    /// so a resync never moves the replay floor backwards.
    /// - Returns: the step of the second code, and its drift against the request's time.
    /// - Throws: `Failure.wrongCode` when no consecutive pair matches, `Failure.replayed` when only old pairs do.
    public static func resync(first: UInt32, second: UInt32, key: HMACKey, request: Request) throws(Failure) -> Match {
        let now = Int64(clamping: OTP.timeStep(at: request.time, step: request.step))
        let center = now + Int64(request.drift)
        let lower = max(0, center - Int64(request.window))
        let upper = center + Int64(request.window)
        let floor = request.lastUsedStep.map { Int64(clamping: $0) } ?? -1

        var best: Int64 = -1
        var bestDistance = Int64.max
        var replayed: Int64 = -1
        var previous = OTP.hotp(key: key, counter: UInt64(lower), digits: request.digits)
        var step = lower + 1
        while step <= upper {
            let current = OTP.hotp(key: key, counter: UInt64(step), digits: request.digits)
            let matches = (previous ^ first) | (current ^ second) == 0
            let distance = abs(step - center)
            let fresh = step - 1 > floor
            if matches && fresh && distance < bestDistance {
                best = step
                bestDistance = distance
            }
            if matches && !fresh { replayed = step }
            previous = current
            step += 1
        }
        if best >= 0 { return Match(step: UInt64(best), drift: Int(best - now)) }
        if replayed >= 0 { throw .replayed(step: UInt64(replayed)) }
        throw .wrongCode
    }
}
