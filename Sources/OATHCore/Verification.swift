/// Checks a code a person typed against a token, tolerating clock drift and refusing replays.
///
/// Pure: the time, the window, the known drift and the replay floor are all parameters,
/// so every rule about windows and drift is testable with fixed times.
public enum Verification {
    /// Where to look for the code and what has been used before.
    public struct Request: Sendable, Equatable {
        /// Unix time of the check.
        public var time: UInt64
        /// Seconds per step (30 or 60 for upload tokens).
        public var step: UInt64
        /// Digits the token shows.
        public var digits: Int
        /// Steps searched either side of the expected step.
        public var window: Int
        /// The token's known drift in steps (positive: its clock is fast).
        public var drift: Int
        /// The last step already accepted; codes at or before it are replays.
        public var lastUsedStep: UInt64?

        public init(time: UInt64, step: UInt64 = 30, digits: Int = 6, window: Int, drift: Int = 0, lastUsedStep: UInt64? = nil) {
            self.time = time
            self.step = step
            self.digits = digits
            self.window = window
            self.drift = drift
            self.lastUsedStep = lastUsedStep
        }
    }

    /// An accepted code: the step it belongs to and the drift it shows against `time`.
    public struct Match: Sendable, Equatable {
        public var step: UInt64
        /// `step` minus the step of the request's time.
        public var drift: Int
    }

    /// Why a code was refused.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// Not `digits` decimal digits.
        case malformedCode(expectedDigits: Int)
        /// No step in the window shows this code.
        case wrongCode
        /// The code belongs to a step at or before the last one used.
        case replayed(step: UInt64)

        public var description: String {
            switch self {
            case let .malformedCode(d): "the code must be \(d) digits"
            case .wrongCode: "the code does not match any step in the window"
            case .replayed: "the code was already used (a code is accepted once)"
            }
        }
    }

    /// Parses a typed code: digits only, spaces and dashes ignored ("123 456" reads as 123456).
    public static func parseCode(_ text: some StringProtocol, digits: Int) throws(Failure) -> UInt32 {
        var value: UInt32 = 0
        var count = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "-"): continue
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                count += 1
                if count > digits { throw .malformedCode(expectedDigits: digits) }
                value = value * 10 + UInt32(byte - UInt8(ascii: "0"))
            default: throw .malformedCode(expectedDigits: digits)
            }
        }
        guard count == digits else { throw .malformedCode(expectedDigits: digits) }
        return value
    }

    /// Searches the whole window for `code` and returns the match nearest the expected step.
    ///
    /// Every step of the window is computed and compared whatever matches, so the time taken
    /// does not tell which step (if any) matched; comparisons are on integers, without early exit.
    /// - Returns: the step and drift of the nearest fresh match.
    /// - Throws: `Failure.replayed` when the only matches are at or before `lastUsedStep`,
    ///   `Failure.wrongCode` when nothing matches.
    public static func verify(code: UInt32, key: HMACKey, request: Request) throws(Failure) -> Match {
        try nearestMatch(request, from: 0, fresh: { $0 }) { step in
            (OTP.hotp(key: key, counter: UInt64(step), digits: request.digits) ^ code) == 0
        }
    }

    /// Scans every step of the request's window in increasing order and returns the fresh match nearest
    /// the expected step (now plus drift). No early exit: the time taken does not tell where a match was.
    ///
    /// - Parameters:
    ///   - offset: the first step scanned is the window's lower end plus this (resync needs a step before it).
    ///   - fresh: the step whose being after the replay floor makes a match fresh.
    ///   - matches: whether the code(s) match at a step; called once per step, in order.
    static func nearestMatch(_ request: Request, from offset: Int64, fresh: (Int64) -> Int64,
                             matches: (Int64) -> Bool) throws(Failure) -> Match {
        let now = request.nowStep
        let center = now + Int64(request.drift)
        let lower = max(0, request.windowStart)
        let upper = center + Int64(request.window)
        let floor = request.lastUsedStep.map { Int64(clamping: $0) } ?? -1

        var best: Int64 = -1
        var bestDistance = Int64.max
        var replayed: Int64 = -1
        var step = lower + offset
        while step <= upper {
            let matched = matches(step)
            let distance = abs(step - center)
            let isFresh = fresh(step) > floor
            if matched && isFresh && distance < bestDistance {
                best = step
                bestDistance = distance
            }
            if matched && !isFresh { replayed = step }
            step += 1
        }
        if best >= 0 { return Match(step: UInt64(best), drift: Int(best - now)) }
        if replayed >= 0 { throw .replayed(step: UInt64(replayed)) }
        throw .wrongCode
    }
}

extension Verification.Request {
    /// The step of `time`.
    var nowStep: Int64 { Int64(clamping: OTP.timeStep(at: time, step: step)) }
    /// The window's first step before it is clamped at step 0: the expected step (now plus drift)
    /// minus the window. `nearestMatch`, `resync` and `SHA1Lanes` all start from it.
    var windowStart: Int64 { nowStep + Int64(drift) - Int64(window) }
}
