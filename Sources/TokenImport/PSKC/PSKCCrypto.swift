import COpenSSL
import OATHCore

/// The cryptography of RFC 6030 section 6: AES-CBC with the IV prepended, PBKDF2 key derivation, HMAC value MACs.
enum PSKCCrypto {
    /// Why a value did not decrypt.
    struct DecryptionError: Error {}

    /// AES-CBC decryption of `IV || ciphertext` under a 16, 24 or 32-byte key.
    ///
    /// XML Encryption pads with arbitrary bytes whose last one counts them, not PKCS#7, so
    /// OpenSSL's padding check is off and the count is checked here.
    static func decryptCBC(_ data: [UInt8], key: [UInt8]) throws(DecryptionError) -> [UInt8] {
        let cipher: OpaquePointer? = switch key.count {
        case 16: EVP_aes_128_cbc()
        case 24: EVP_aes_192_cbc()
        case 32: EVP_aes_256_cbc()
        default: nil
        }
        guard let cipher, data.count >= 32, data.count % 16 == 0 else { throw DecryptionError() }
        let context = EVP_CIPHER_CTX_new()
        defer { EVP_CIPHER_CTX_free(context) }
        var out = [UInt8](repeating: 0, count: data.count)
        var length: Int32 = 0, final: Int32 = 0
        let ok = data.withUnsafeBufferPointer { buffer -> Bool in
            let iv = buffer.baseAddress!
            guard EVP_DecryptInit_ex(context, cipher, nil, key, iv) == 1, EVP_CIPHER_CTX_set_padding(context, 0) == 1 else { return false }
            return out.withUnsafeMutableBufferPointer { o in
                EVP_DecryptUpdate(context, o.baseAddress, &length, iv + 16, Int32(data.count - 16)) == 1
                    && EVP_DecryptFinal_ex(context, o.baseAddress! + Int(length), &final) == 1
            }
        }
        let total = Int(length + final)
        guard ok, total > 0, let padding = out.prefix(total).last, padding >= 1, padding <= 16, Int(padding) <= total else {
            OPENSSL_cleanse(&out, out.count)
            throw DecryptionError()
        }
        let plain = Array(out.prefix(total - Int(padding)))
        OPENSSL_cleanse(&out, out.count)
        return plain
    }

    /// PBKDF2 (RFC 8018) with HMAC-SHA1 or HMAC-SHA256 as the pseudo-random function.
    static func pbkdf2(password: [UInt8], salt: [UInt8], iterations: Int, keyLength: Int, hash: HashAlgorithm) -> [UInt8]? {
        guard iterations > 0, iterations <= 10_000_000, keyLength > 0, keyLength <= 64 else { return nil }
        var out = [UInt8](repeating: 0, count: keyLength)
        let md = hash == .sha256 ? EVP_sha256() : EVP_sha1()
        let ok = password.withUnsafeBufferPointer { p in
            PKCS5_PBKDF2_HMAC(p.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) }, Int32(password.count),
                              salt, Int32(salt.count), Int32(iterations), md, Int32(keyLength), &out)
        }
        return ok == 1 ? out : nil
    }

    /// HMAC of `message` (the MAC of an encrypted value is over its IV and ciphertext).
    static func mac(_ message: [UInt8], key: [UInt8], hash: HashAlgorithm) -> [UInt8] {
        HMACKey(secret: Secret(bytes: key), algorithm: hash).mac(message)
    }

    /// Compares two MACs without an early exit.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
