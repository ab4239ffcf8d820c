import Foundation
import OATHCore

// `make bench`: code-generation throughput on one core for the HMAC variants oathctl could use.
// Random 20-byte keys and random times, seeded; best of 5 runs; figures are codes per second.

var rng = SplitMix64(state: 2026_11_22)
let keyCount = 2_000
let keys: [[UInt8]] = (0..<keyCount).map { _ in (0..<20).map { _ in UInt8.random(in: 0...255, using: &rng) } }
let counters: [UInt64] = (0..<keyCount).map { _ in UInt64.random(in: 0...(4_102_444_800 / 30), using: &rng) }
let perKey = 100
let total = Double(keyCount * perKey)
var sink: UInt32 = 0

func report(_ name: String, _ seconds: Double, baseline: Double? = nil) {
    let rate = total / seconds
    let ratio = baseline.map { String(format: "%6.2fx", $0 / seconds) } ?? "      "
    let label = name.padding(toLength: 48, withPad: " ", startingAt: 0)
    print(label + String(format: " %10.0f codes/s %7.0f ns/code  ", rate, seconds / total * 1e9) + ratio)
}

print("oathbench: \(keyCount) random 20-byte keys x \(perKey) consecutive steps each (a window), one core, best of 5")
print("ratio column: speed relative to OpenSSL one-shot HMAC()")

let oneShot = Stopwatch.best {
    for (key, counter) in zip(keys, counters) {
        for i in 0..<UInt64(perKey) { sink &+= HMACVariants.oneShot(key: key, counter: counter &+ i) }
    }
}
report("OpenSSL HMAC() one-shot", oneShot)

let evp = HMACVariants.EVPMAC()
let evpTime = Stopwatch.best {
    for (key, counter) in zip(keys, counters) {
        for i in 0..<UInt64(perKey) { sink &+= evp.code(key: key, counter: counter &+ i) }
    }
}
report("OpenSSL EVP_MAC, context reused", evpTime, baseline: oneShot)

let secrets = keys.map { Secret(bytes: $0) }
let cachedFresh = Stopwatch.best {
    for (secret, counter) in zip(secrets, counters) {
        for i in 0..<UInt64(perKey) { sink &+= OTP.hotp(key: HMACKey(secret: secret), counter: counter &+ i) }
    }
}
report("oathctl HMACKey, key states rebuilt per code", cachedFresh, baseline: oneShot)

let cached = Stopwatch.best {
    for (secret, counter) in zip(secrets, counters) {
        let key = HMACKey(secret: secret)
        for i in 0..<UInt64(perKey) { sink &+= OTP.hotp(key: key, counter: counter &+ i) }
    }
}
report("oathctl HMACKey, key states reused (engine)", cached, baseline: oneShot)

let activationKey = HMACKey(secret: secrets[0])
let window = Stopwatch.best(runs: 20) {
    _ = try? Verification.verify(code: 1_000_000 - 1, key: activationKey,
                                 request: .init(time: 1_800_000_000, window: 2_880))
}
print(String(format: "activation search, ±1 day of 30 s steps (5,761 codes): %.2f ms", window * 1e3))
print("(checksum \(sink))")
