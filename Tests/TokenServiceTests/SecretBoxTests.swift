import Testing
import OATHCore
@testable import SecretSealing
import TokenDomain

@Suite struct SecretBoxTests {
    let box = SecretBox(key: .forTesting(Array(repeating: 7, count: 32)))
    let secret = Secret(bytes: Array("12345678901234567890".utf8))

    @Test func roundTripWithAFreshNonceEachTime() throws {
        let a = box.seal(secret, serial: "S1"), b = box.seal(secret, serial: "S1")
        #expect(a != b)
        #expect(a.count == 1 + 12 + 20 + 16)
        #expect(try box.open(a, serial: "S1") == secret)
        #expect(try box.open(b, serial: "S1") == secret)
    }

    /// Nonces are drawn 256 at a time: across several draws every one is new, and every value opens.
    @Test func noNonceRepeatsAcrossDraws() throws {
        let sealed = (0..<1_000).map { box.seal(secret, serial: "S\($0)") }
        #expect(Set(sealed.map { Array($0[1...12]) }).count == sealed.count)
        for (index, value) in sealed.enumerated() { #expect(try box.open(value, serial: "S\(index)") == secret) }
    }

    @Test func serialIsBoundIn() {
        let sealed = box.seal(secret, serial: "S1")
        #expect(throws: SecretBox.OpenError.authenticationFailed) { try box.open(sealed, serial: "S2") }
    }

    @Test func wrongKeyAndTamperingFail() {
        let sealed = box.seal(secret, serial: "S1")
        let other = SecretBox(key: .forTesting(Array(repeating: 8, count: 32)))
        #expect(throws: SecretBox.OpenError.authenticationFailed) { try other.open(sealed, serial: "S1") }
        for index in [1, 13, sealed.count - 1] {
            var tampered = sealed
            tampered[index] ^= 1
            #expect(throws: SecretBox.OpenError.authenticationFailed) { try box.open(tampered, serial: "S1") }
        }
        #expect(throws: SecretBox.OpenError.malformed) { try box.open([1, 2, 3], serial: "S1") }
    }

    @Test func sealedBytesDoNotContainThePlaintext() {
        let sealed = box.seal(secret, serial: "S1")
        #expect(!sealed.windows(ofCount: 8).contains(where: { secret.bytes.starts(with: $0) }))
    }

    /// One box shared by 16 tasks: a million seals, and no nonce handed out twice (issue 14: a
    /// nonce reused under one key would break AES-GCM).
    @Test func sixteenTasksNeverShareANonce() async {
        let box = SecretBox(key: MasterKey.forTesting((0..<32).map { UInt8($0) }))
        let perTask = 62_500
        let nonces = await withTaskGroup(of: [UInt128].self) { group in
            for _ in 0..<16 {
                group.addTask {
                    (0..<perTask).map { _ in
                        let sealed = box.seal([1, 2, 3], associatedData: [])
                        return sealed[1...SecretBox.nonceLength].reduce(UInt128(0)) { $0 << 8 | UInt128($1) }
                    }
                }
            }
            var all: [UInt128] = []
            for await part in group { all += part }
            return all
        }
        #expect(nonces.count == 1_000_000)
        #expect(Set(nonces).count == nonces.count)
    }
}

extension Array where Element == UInt8 {
    /// Consecutive runs of `count` bytes.
    func windows(ofCount count: Int) -> [ArraySlice<UInt8>] {
        guard self.count >= count else { return [] }
        return (0...(self.count - count)).map { self[$0..<$0 + count] }
    }
}
