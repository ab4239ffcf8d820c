import OATHCore
import Testing
@testable import SecretSealing
import TokenDomain

/// Operators' credentials: PBKDF2-HMAC-SHA256 against RFC 7914's vectors, the stored form, API keys.
@Suite struct CredentialTests {
    /// RFC 7914 section 11, PBKDF2-HMAC-SHA256 with a 64-byte output.
    @Test(arguments: [
        ("passwd", "salt", 1, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783"),
        ("Password", "NaCl", 80_000, "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d"),
    ])
    func pbkdf2Vectors(password: String, salt: String, iterations: Int, expected: String) {
        #expect(Hex.encode(PasswordHash.derive(Array(password.utf8), salt: Array(salt.utf8), iterations: iterations, length: 64)) == expected)
    }

    @Test func aStoredPasswordMatchesOnlyItself() {
        let stored = PasswordHash.make(Array("correct horse battery".utf8), iterations: 1_000)
        #expect(stored.hasPrefix("pbkdf2-sha256$1000$") && stored.split(separator: "$").count == 4)
        #expect(!stored.contains("correct"))
        #expect(PasswordHash.matches(Array("correct horse battery".utf8), stored))
        #expect(!PasswordHash.matches(Array("correct horse battery ".utf8), stored))
        #expect(PasswordHash.make(Array("correct horse battery".utf8), iterations: 1_000) != stored)  // a fresh salt each time
        for broken in [stored.replacingOccurrences(of: "$1000$", with: "$0$"), "pbkdf2-sha256$1000$zz$00", "", "sha256$abc"] {
            #expect(!PasswordHash.matches(Array("correct horse battery".utf8), broken))
        }
        #expect(PasswordHash.defaultIterations == 600_000)
    }

    @Test func apiKeysAreRandomAndKeptAsTheirDigest() {
        let key = APIKey.generate()
        #expect(APIKey.isWellFormed(key) && key != APIKey.generate())
        #expect(APIKey.digest(key) == "sha256$" + Hex.encode(Digest.sha256(Array(key.utf8))))
        // FIPS 180-2 appendix B.1: SHA-256("abc").
        #expect(Hex.encode(Digest.sha256(Array("abc".utf8))) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(!APIKey.isWellFormed("oak_" + String(repeating: "g", count: 64)) && !APIKey.isWellFormed(String(key.dropLast())))
    }
}
