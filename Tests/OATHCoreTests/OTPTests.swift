import COpenSSL
import PropertyBased
import Testing
@testable import OATHCore

@Suite struct OTPTests {
    @Test("RFC 4226 Appendix D", arguments: Vectors.table("rfc4226_hotp.tsv"))
    func rfc4226(row: [String: String]) throws {
        let secret = Secret(bytes: try Base32.decode(row["secret_base32"]!))
        #expect(secret.bytes == Array(row["secret_ascii"]!.utf8))
        let key = HMACKey(secret: secret)
        let code = OTP.hotp(key: key, counter: UInt64(row["counter"]!)!, digits: 6)
        #expect(OTP.format(code, digits: 6) == row["code"]!)
    }

    /// A key object rekeyed (as `find` reuses one per thread) gives the RFC 6238 codes of its new key,
    /// whatever key it held before (a longer one, whose block was hashed, included).
    @Test("rekey, RFC 6238 Appendix B", arguments: Vectors.table("rfc6238.tsv"))
    func rekeyGivesTheNewKeysCodes(row: [String: String]) throws {
        let algorithm = try #require(HashAlgorithm(loose: row["hash"]!))
        let secret = try Base32.decode(row["secret_base32"]!)
        let earlier = [UInt8](repeating: 0xA5, count: 200)
        let key = earlier.withUnsafeBufferPointer { HMACKey(key: $0, algorithm: algorithm) }
        secret.withUnsafeBufferPointer { key.rekey($0) }
        let time = UInt64(row["time"]!)!, step = UInt64(row["step"]!)!
        #expect(OTP.format(OTP.totp(key: key, at: time, step: step, digits: 8), digits: 8) == row["code8"]!)
    }

    @Test("RFC 6238 Appendix B, 8 and 6 digits", arguments: Vectors.table("rfc6238.tsv"))
    func rfc6238(row: [String: String]) throws {
        let algorithm = try #require(HashAlgorithm(loose: row["hash"]!))
        let secret = Secret(bytes: try Base32.decode(row["secret_base32"]!))
        #expect(secret.bytes == Array(row["secret_ascii"]!.utf8))
        let key = HMACKey(secret: secret, algorithm: algorithm)
        let time = UInt64(row["time"]!)!
        let step = UInt64(row["step"]!)!
        #expect(OTP.format(OTP.totp(key: key, at: time, step: step, digits: 8), digits: 8) == row["code8"]!)
        #expect(OTP.format(OTP.totp(key: key, at: time, step: step, digits: 6), digits: 6) == row["code6"]!)
    }

    @Test func differentialAgainstIndependentImplementations() throws {
        let rows = Vectors.table("differential_totp.tsv")
        #expect(rows.count == 2000)
        for row in rows {
            let key = HMACKey(secret: Secret(bytes: try Base32.decode(row["secret_base32"]!)))
            let code = OTP.totp(key: key, at: UInt64(row["time"]!)!, step: UInt64(row["step"]!)!, digits: 6)
            #expect(OTP.format(code, digits: 6) == row["code"]!, "time \(row["time"]!)")
        }
    }

    /// The cached-state HMAC must equal OpenSSL's one-shot HMAC() for every algorithm and key length,
    /// including keys longer than the block size (which RFC 2104 hashes first).
    @Test(arguments: HashAlgorithm.allCases)
    func cachedStatesMatchOneShotHMAC(algorithm: HashAlgorithm) async {
        await propertyCheck(count: 200, input: Gen.uint8().array(of: 0...200), Gen.uint8().array(of: 0...100)) { key, message in
            let ours = HMACKey(secret: Secret(bytes: key), algorithm: algorithm).mac(message)
            #expect(ours == Self.oneShot(algorithm: algorithm, key: key, message: message))
        }
    }

    static func oneShot(algorithm: HashAlgorithm, key: [UInt8], message: [UInt8]) -> [UInt8] {
        let md: OpaquePointer? = switch algorithm {
        case .sha1: EVP_sha1()
        case .sha256: EVP_sha256()
        case .sha512: EVP_sha512()
        }
        var out = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        _ = HMAC(md, key, Int32(key.count), message, message.count, &out, &length)
        return Array(out.prefix(Int(length)))
    }

    @Test func formatPadsWithZeros() {
        #expect(OTP.format(81804, digits: 6) == "081804")
        #expect(OTP.format(7081804, digits: 8) == "07081804")
    }

    @Test func timeStepHasNo32BitOverflow() {
        #expect(OTP.timeStep(at: 4_294_967_296, step: 30) == 143_165_576)
        #expect(OTP.timeStep(at: 20_000_000_000, step: 60) == 333_333_333)
    }

    @Test func secretDescriptionIsRedacted() {
        let secret = Secret(bytes: Array("12345678901234567890".utf8))
        #expect("\(secret)" == "Secret(20 bytes, redacted)")
        #expect(secret.bitCount == 160)
    }
}
