import Foundation
import OATHCore
import TokenImport
import SecretSealing
import TokenService
import TokenStore
import TokenDomain
import TokenStorePostgres

// `make bench` (through Benchmarks/bench.py): oathctl's own figures, one core, release build.
// Prints "name<TAB>value" lines; bench.py puts them beside the peers and writes bench/results.md.

var rng = SplitMix64(state: 2026_11_22)
let keyCount = 2_000
let perKey = 100
let secrets = (0..<keyCount).map { _ in Secret(bytes: (0..<20).map { _ in UInt8.random(in: 0...255, using: &rng) }) }
let counters: [UInt64] = (0..<keyCount).map { _ in UInt64.random(in: 0...(4_102_444_800 / 30), using: &rng) }
var sink: UInt32 = 0

func emit(_ name: String, _ value: Double) { print("\(name)\t\(String(format: "%.4f", value))") }
let codes = Double(keyCount * perKey)

// 1. Code generation: key states built once per token, reused across its window (the engine's way).
let engine = Stopwatch.best {
    for (secret, counter) in zip(secrets, counters) {
        let key = HMACKey(secret: secret)
        for i in 0..<UInt64(perKey) { sink &+= OTP.hotp(key: key, counter: counter &+ i) }
    }
}
emit("oathctl_engine", codes / engine)

// The same with the key states rebuilt for every code (a fresh key each time).
let fresh = Stopwatch.best {
    for (secret, counter) in zip(secrets, counters) {
        for i in 0..<UInt64(perKey) { sink &+= OTP.hotp(key: HMACKey(secret: secret), counter: counter &+ i) }
    }
}
emit("oathctl_fresh_key", codes / fresh)

// Verification: whole-window searches of ±50 steps, as find and resync run them.
let verify = Stopwatch.best {
    for (secret, counter) in zip(secrets.prefix(200), counters) {
        let key = HMACKey(secret: secret)
        _ = try? Verification.verify(code: 999_999, key: key, request: .init(time: counter * 30, window: 50))
    }
}
emit("oathctl_verify", 200 * 101 / verify)

// The same searches sixteen keys at a time in SIMD lanes, as `find` checks the store's SHA-1 tokens.
let lanes = SHA1Lanes()
let keyBytes = secrets.map(\.bytes)
let laneVerify = Stopwatch.best {
    for start in stride(from: 0, to: keyCount, by: SHA1Lanes.width) {
        for index in start..<min(keyCount, start + SHA1Lanes.width) {
            _ = keyBytes[index].withUnsafeBufferPointer {
                lanes.add(key: $0, request: .init(time: counters[index] * 30, window: 50))
            }
        }
        lanes.forEachMatch(code: 999_999) { lane, _ in sink &+= UInt32(lane) }
    }
}
emit("oathctl_lanes_verify", Double(keyCount * 101) / laneVerify)
print("lanes_implementation\t\(SHA1Lanes.implementation)")

// 4. Activation over the full one-day window: the search alone, and the whole store operation in-process.
let windowKey = HMACKey(secret: secrets[0])
let search = Stopwatch.best(runs: 20) {
    _ = try? Verification.verify(code: 999_999, key: windowKey, request: .init(time: 1_800_000_000, window: 2_880))
}
emit("activation_search_ms", search * 1e3)

let directory = FileManager.default.temporaryDirectory.appendingPathComponent("oathbench-\(ProcessInfo.processInfo.processIdentifier)")
try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: directory) }
let file = directory.appendingPathComponent("one.csv")
try Data("upn,serial number,secret key,time interval,manufacturer,model\nhelga@contoso.com,B1,\(Base32.encode(secrets[0].bytes)),30,C,M\n".utf8).write(to: file)
let vault = Vault(key: .forTesting(Array(repeating: 1, count: 32)))
let sqlite = try TokenStore.create(path: directory.appendingPathComponent("s.sqlite").path, vault: vault, entry: nil)
let (activation, verification) = try await measureChecks(on: sqlite, vault: vault, file: file, key: windowKey)
emit("activation_store_ms", activation * 1e3)
emit("verify_store_ms", verification * 1e3)

// 5. The same on PostgreSQL, when bench.py started a cluster (OATHBENCH_POSTGRES names a new database).
if let url = ProcessInfo.processInfo.environment["OATHBENCH_POSTGRES"] {
    let postgres = try await PostgresStore.create(try PostgresLocation(parsing: url), password: ProcessInfo.processInfo.environment["PGPASSWORD"],
                                                  vault: vault, entry: nil)
    let (activation, verification) = try await measureChecks(on: postgres, vault: vault, file: file, key: windowKey)
    emit("postgres_activation_ms", activation * 1e3)
    emit("postgres_verify_ms", verification * 1e3)
    await postgres.close()
}
print("checksum\t\(sink)")

/// Imports the one-token file into `repository`, then times a whole activation (a wrong code: the
/// full one-day window searched, the denial stored and audited) and a whole sign-in check of the
/// right code (one transaction: read under lock, check, save, audit), best of 20 each.
func measureChecks(on repository: any TokenRepository, vault: Vault, file: URL, key: HMACKey) async throws -> (Double, Double) {
    let clock = Stepper()
    let service = TokenService(repository: repository, vault: vault, clock: { clock.now })
    let context = OperationContext(actor: "bench")
    _ = try await service.importTokens(.csv(path: file.path), options: .init(fileName: "one.csv", sha256: "-"), handlers: .init { _ in },
                                       context: context)
    try await service.setPolicy(.lockoutThreshold, to: 1_000, context: context)
    func seconds(_ body: () async throws -> Void) async rethrows -> Double {
        let started = DispatchTime.now().uptimeNanoseconds
        try await body()
        return Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    }
    var activation = Double.infinity, verification = Double.infinity
    for _ in 0..<20 {
        activation = min(activation, try await seconds { _ = try await service.activate(serial: "B1", code: "999999", context: context) })
    }
    let first = OTP.format(OTP.totp(key: key, at: UInt64(clock.now), step: 30), digits: 6)
    guard try await service.activate(serial: "B1", code: first, context: context).accepted else { fatalError("bench: activation refused") }
    for _ in 0..<20 {
        clock.now += 30
        let code = OTP.format(OTP.totp(key: key, at: UInt64(clock.now), step: 30), digits: 6)
        verification = min(verification, try await seconds {
            guard try await service.verify(serial: "B1", code: code, context: context).accepted else { fatalError("bench: verify refused") }
        })
    }
    return (activation, verification)
}

/// The bench's clock: moved a step at a time so each sign-in check has a fresh code.
final class Stepper: @unchecked Sendable {
    // @unchecked: only the bench's one task touches it, between awaits.
    var now: Int64 = 1_800_000_000
}
