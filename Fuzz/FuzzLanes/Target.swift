import FuzzSupport
import OATHCore

/// `SHA1Lanes`, oathctl's one piece of hand-written cryptography, against libcrypto: for keys,
/// times, steps, windows, drifts and digits taken from the input, the lanes answer every key
/// exactly as `Verification.verify` does one key at a time. The code is either taken from the
/// input or one that the first key shows near its window, so matches are exercised too.
func lanesTarget(_ bytes: [UInt8]) {
    var input = bytes[...]
    func byte() -> UInt8 { input.popFirst() ?? 0 }
    func word() -> UInt64 { (0..<4).reduce(0) { value, _ in value << 8 | UInt64(byte()) } }
    let digits = byte() & 1 == 0 ? 6 : 8
    let codeFromInput = byte() & 1 == 0
    var lanes: [(key: [UInt8], request: Verification.Request)] = []
    while lanes.count < SHA1Lanes.width, !input.isEmpty {
        let key = Array(input.prefix(Int(byte()) % (SHA1Lanes.maxKeyLength + 1)))
        input = input.dropFirst(key.count)
        let time = word() << (byte() & 3)
        let request = Verification.Request(time: time, step: byte() & 1 == 0 ? 30 : 60, digits: digits,
                                           window: Int(byte() % 4), drift: Int(Int8(bitPattern: byte())) % 5)
        lanes.append((key, request))
    }
    guard let first = lanes.first else { return }
    let code: UInt32
    if codeFromInput {
        code = UInt32(truncatingIfNeeded: word()) % (digits == 6 ? 1_000_000 : 100_000_000)
    } else {
        let step = Int64(first.request.time / first.request.step) + Int64(first.request.drift) + Int64(Int8(bitPattern: byte()) % 4)
        code = OTP.hotp(key: HMACKey(secret: Secret(bytes: first.key)), counter: UInt64(max(0, step)), digits: digits)
    }
    let checker = SHA1Lanes()
    for lane in lanes {
        let taken = lane.key.withUnsafeBufferPointer { checker.add(key: $0, request: lane.request) }
        precondition(taken, "a lane refused a key of at most 64 bytes")
    }
    var answers = [Verification.Match?](repeating: nil, count: lanes.count)
    checker.forEachMatch(code: code) { lane, match in answers[lane] = match }
    for (lane, answer) in zip(lanes, answers) {
        let expected = try? Verification.verify(code: code, key: HMACKey(secret: Secret(bytes: lane.key)), request: lane.request)
        precondition(answer == expected, "the lanes and libcrypto disagree")
    }
}

@main
enum Main {
    static func main() {
        fuzzMain { data, size in
            lanesTarget(bytes(data, size))
            return 0
        }
    }
}
