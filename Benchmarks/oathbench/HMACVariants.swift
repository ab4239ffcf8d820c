import COpenSSL
import OATHCore

/// The three ways of computing one HOTP value this benchmark compares.
enum HMACVariants {
    /// RFC 4226 dynamic truncation of a digest to 6 digits.
    static func truncate(_ mac: UnsafePointer<UInt8>, length: Int) -> UInt32 {
        let offset = Int(mac[length - 1] & 0x0F)
        let binary = (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16)
            | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        return binary % 1_000_000
    }

    /// OpenSSL's one-shot `HMAC()`: sets up a context on every call.
    static func oneShot(key: [UInt8], counter: UInt64) -> UInt32 {
        var message = counter.bigEndian
        var out = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        withUnsafeBytes(of: &message) { msg in
            _ = HMAC(EVP_sha1(), key, Int32(key.count), msg.baseAddress!.assumingMemoryBound(to: UInt8.self), 8, &out, &length)
        }
        return truncate(out, length: 20)
    }

    /// OpenSSL 3 `EVP_MAC` with one context reused across calls; re-keyed on every code.
    final class EVPMAC {
        private let mac: OpaquePointer
        private let context: OpaquePointer
        private var params: [OSSL_PARAM]
        private let digestName = strdup("SHA1")!

        init() {
            mac = EVP_MAC_fetch(nil, "HMAC", nil)
            context = EVP_MAC_CTX_new(mac)
            params = [OSSL_PARAM_construct_utf8_string("digest", digestName, 0), OSSL_PARAM_construct_end()]
        }

        deinit {
            EVP_MAC_CTX_free(context)
            EVP_MAC_free(mac)
            free(digestName)
        }

        func code(key: [UInt8], counter: UInt64) -> UInt32 {
            var message = counter.bigEndian
            var out = [UInt8](repeating: 0, count: 20)
            var length = 0
            EVP_MAC_init(context, key, key.count, &params)
            withUnsafeBytes(of: &message) { msg in
                _ = EVP_MAC_update(context, msg.baseAddress!.assumingMemoryBound(to: UInt8.self), 8)
            }
            EVP_MAC_final(context, &out, &length, 20)
            return truncate(out, length: 20)
        }
    }
}
