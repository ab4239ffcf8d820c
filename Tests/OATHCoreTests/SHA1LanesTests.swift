import CSHA1Lanes
import Testing
@testable import OATHCore

@Suite struct SHA1LanesTests {
    /// A key with the window to search for it.
    struct Lane {
        var key: [UInt8]
        var request: Verification.Request
    }

    /// What the lanes answer for `code`, lane by lane (nil: no match), after adding `lanes` in order.
    static func laneAnswers(_ lanes: [Lane], code: UInt32, into checker: SHA1Lanes) -> [Verification.Match?] {
        for lane in lanes {
            let taken = lane.key.withUnsafeBufferPointer { checker.add(key: $0, request: lane.request) }
            #expect(taken)
        }
        var answers = [Verification.Match?](repeating: nil, count: lanes.count)
        checker.forEachMatch(code: code) { lane, match in answers[lane] = match }
        #expect(checker.count == 0)
        return answers
    }

    /// What `Verification.verify` answers with one key at a time (libcrypto's SHA-1).
    static func scalarAnswers(_ lanes: [Lane], code: UInt32) -> [Verification.Match?] {
        lanes.map { lane in
            try? Verification.verify(code: code, key: HMACKey(secret: Secret(bytes: lane.key)), request: lane.request)
        }
    }

    /// The shared vectors (RFC 6238's SHA-1 rows and 2,000 independently computed codes), sixteen
    /// keys at a time: for every row's code, the lanes must answer exactly as the one-key path does,
    /// and the row's own lane must match at its step.
    @Test func vectorsGiveTheSameAnswersInLanesAsOneAtATime() throws {
        var lanes: [(Lane, UInt32)] = []
        for row in Vectors.table("differential_totp.tsv") {
            let request = Verification.Request(time: UInt64(row["time"]!)!, step: UInt64(row["step"]!)!, digits: 6, window: 0)
            lanes.append((Lane(key: try Base32.decode(row["secret_base32"]!), request: request), UInt32(row["code"]!)!))
        }
        for row in Vectors.table("rfc6238.tsv") where row["hash"] == "sha1" {
            let request = Verification.Request(time: UInt64(row["time"]!)!, step: UInt64(row["step"]!)!, digits: 8, window: 1)
            lanes.append((Lane(key: try Base32.decode(row["secret_base32"]!), request: request), UInt32(row["code8"]!)!))
        }
        let fitting = lanes.filter { $0.0.key.count <= SHA1Lanes.maxKeyLength }
        #expect(fitting.count > 1_500 && fitting.count < lanes.count) // the longer keys take the one-key path in `find`
        let checker = SHA1Lanes()
        var group = 0
        while group * SHA1Lanes.width < fitting.count {
            let members = Array(fitting[(group * SHA1Lanes.width)..<min(fitting.count, (group + 1) * SHA1Lanes.width)])
            for (index, member) in members.enumerated() {
                let answers = Self.laneAnswers(members.map(\.0), code: member.1, into: checker)
                #expect(answers == Self.scalarAnswers(members.map(\.0), code: member.1))
                #expect(answers[index]?.drift == 0)
            }
            group += 1
        }
    }

    /// Random keys of every length a lane takes, 6 and 8 digits, 30 and 60 second steps, drifts and
    /// windows, times near step 0 (windows that would start before it) and far from it; the code is
    /// one that some lane shows in its window, so matches (and several matches) occur.
    @Test func randomWindowsGiveTheSameAnswersInLanesAsOneAtATime() {
        var generator = SystemRandomNumberGenerator()
        let checker = SHA1Lanes()
        for _ in 0..<300 {
            let digits = Bool.random(using: &generator) ? 6 : 8
            let count = Int.random(in: 1...SHA1Lanes.width, using: &generator)
            let lanes = (0..<count).map { _ in
                let key = (0..<Int.random(in: 0...SHA1Lanes.maxKeyLength)).map { _ in UInt8.random(in: 0...255) }
                let time = Bool.random() ? UInt64.random(in: 0...200) : UInt64.random(in: 0...4_000_000_000)
                let request = Verification.Request(time: time, step: Bool.random() ? 30 : 60, digits: digits,
                                                   window: Int.random(in: 0...3), drift: Int.random(in: -3...3))
                return Lane(key: key, request: request)
            }
            let shown = lanes.randomElement()!
            let step = Int64(shown.request.time / shown.request.step) + Int64(shown.request.drift) + Int64.random(in: -1...1)
            let code = OTP.hotp(key: HMACKey(secret: Secret(bytes: shown.key)), counter: UInt64(max(0, step)), digits: digits)
            #expect(Self.laneAnswers(lanes, code: code, into: checker) == Self.scalarAnswers(lanes, code: code))
        }
    }

    @Test func aLaneRefusesAKeyLongerThanABlockAndAFullSetRefusesMore() {
        let checker = SHA1Lanes()
        let request = Verification.Request(time: 59, window: 0)
        let long = [UInt8](repeating: 1, count: SHA1Lanes.maxKeyLength + 1)
        #expect(!long.withUnsafeBufferPointer { checker.add(key: $0, request: request) })
        let key = [UInt8](repeating: 2, count: 20)
        for _ in 0..<SHA1Lanes.width { #expect(key.withUnsafeBufferPointer { checker.add(key: $0, request: request) }) }
        #expect(checker.isFull && !key.withUnsafeBufferPointer { checker.add(key: $0, request: request) })
        checker.forEachMatch(code: 0) { _, _ in }
        #expect(checker.count == 0)
    }

    /// The implementation chosen for this CPU (AVX-512 or AVX2 here) and the portable one agree on random keys and counters.
    @Test func theCPUsImplementationAgreesWithThePortableOne() {
        let lanes = Int(OATHCTL_SHA1_LANES)
        for _ in 0..<200 {
            let keys = (0..<lanes * 64).map { _ in UInt8.random(in: 0...255) }
            let counters = (0..<lanes).map { _ in UInt64.random(in: 0...UInt64.max) }
            var inner = [UInt32](repeating: 0, count: 5 * lanes), outer = inner, fast = [UInt32](repeating: 0, count: lanes)
            var innerPortable = inner, outerPortable = inner, portable = fast
            oathctl_hmac_sha1_lanes_init(&inner, &outer, keys)
            oathctl_hotp_sha1_lanes(inner, outer, counters, &fast)
            oathctl_hmac_sha1_lanes_init_portable(&innerPortable, &outerPortable, keys)
            oathctl_hotp_sha1_lanes_portable(innerPortable, outerPortable, counters, &portable)
            #expect(inner == innerPortable && outer == outerPortable && fast == portable)
        }
    }
}
