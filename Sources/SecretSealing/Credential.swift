import COpenSSL
import OATHCore

/// How operators' passwords are kept: PBKDF2-HMAC-SHA256 (RFC 8018) with a random 16-byte salt and
/// 600,000 iterations, OWASP's figure for this hash, stored as `pbkdf2-sha256$ITERATIONS$SALT$HASH`
/// (hex). Chosen over bcrypt because libcrypto, which oathctl already links, has it (bcrypt would
/// bring a package for one function) and it has no 72-byte password limit; the iteration count is
/// in each stored value, so it can rise without breaking older ones.
public enum PasswordHash {
    public static let defaultIterations = 600_000
    private static let prefix = "pbkdf2-sha256"

    /// A new stored value for `password`.
    public static func make(_ password: [UInt8], iterations: Int = defaultIterations) -> String {
        var salt = [UInt8](repeating: 0, count: 16)
        guard RAND_bytes(&salt, Int32(salt.count)) == 1 else { fatalError("libcrypto RAND_bytes failed: no entropy") }
        let hash = derive(password, salt: salt, iterations: iterations)
        return "\(prefix)$\(iterations)$\(Hex.encode(salt))$\(Hex.encode(hash))"
    }

    /// Whether `password` is the one `stored` was made from; compares in constant time.
    public static func matches(_ password: [UInt8], _ stored: String) -> Bool {
        let parts = stored.split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == prefix, let iterations = Int(parts[1]), (1...10_000_000).contains(iterations),
              let salt = try? Hex.decode(utf8: parts[2].utf8), let expected = try? Hex.decode(utf8: parts[3].utf8),
              expected.count == 32 else { return false }
        return Digest.equal(derive(password, salt: salt, iterations: iterations), expected)
    }

    /// PBKDF2-HMAC-SHA256, 32 bytes.
    public static func derive(_ password: [UInt8], salt: [UInt8], iterations: Int, length: Int = 32) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        let ok = password.withUnsafeBufferPointer { p in
            PKCS5_PBKDF2_HMAC(p.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, Int32(password.count),
                              salt, Int32(salt.count), Int32(iterations), EVP_sha256(), Int32(length), &out)
        }
        precondition(ok == 1, "libcrypto PBKDF2 failed")
        return out
    }
}

/// Programs' API keys: 256 random bits, shown once as `oak_` and 64 hex digits; the store keeps
/// only their SHA-256 digest (a key is random, so a slow hash would add nothing).
public enum APIKey {
    public static func generate() -> String { "oak_" + RandomToken.hex() }

    /// The stored form of a key: `sha256$` and the hex digest.
    public static func digest(_ key: String) -> String {
        "sha256$" + Hex.encode(Digest.sha256(Array(key.utf8)))
    }

    /// Whether `key` has the shape `generate` makes (before any lookup).
    public static func isWellFormed(_ key: String) -> Bool {
        key.utf8.count == 68 && key.hasPrefix("oak_") && key.utf8.dropFirst(4).allSatisfy { Hex.value($0) != nil }
    }
}

/// Random secrets for sessions, CSRF and API keys: 256 bits from libcrypto's CSPRNG, in hex.
public enum RandomToken {
    public static func hex(bytes count: Int = 32) -> String {
        var bytes = [UInt8](repeating: 0, count: count)
        guard RAND_bytes(&bytes, Int32(bytes.count)) == 1 else { fatalError("libcrypto RAND_bytes failed: no entropy") }
        return Hex.encode(bytes)
    }
}

/// SHA-256 and a constant-time comparison, from libcrypto.
public enum Digest {
    /// SHA-256 of a string's UTF-8, in hex: how session ids and CSRF tokens are kept.
    public static func sha256Hex(_ text: String) -> String { Hex.encode(sha256(Array(text.utf8))) }

    public static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        _ = SHA256(bytes, bytes.count, &out)
        return out
    }

    /// True when both are equal, in time that depends only on their length.
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        a.count == b.count && CRYPTO_memcmp(a, b, a.count) == 0
    }
}
