import COpenSSL

/// An HMAC key with its inner and outer hash states computed once (RFC 2104).
///
/// Why not OpenSSL's `HMAC()` or `EVP_MAC`: both pay 1-3 µs of setup on every call, while a
/// TOTP code needs only two hash compressions once the key's padded blocks have been absorbed.
/// Caching those two states makes window searches (activation over ±1 day = 5,760 codes)
/// roughly ten times faster; `make bench` prints the measured ratio. The states are wiped
/// with `OPENSSL_cleanse` when the key is released.
public final class HMACKey: @unchecked Sendable {
    // @unchecked: `state` is written in init, in deinit and by `rekey` (whose caller holds the only
    // reference); `mac` only reads it (it copies the contexts).
    private let state: UnsafeMutablePointer<oath_hmac_state>
    public let algorithm: HashAlgorithm

    /// Prepares the key states for `algorithm`.
    public init(secret: Secret, algorithm: HashAlgorithm = .sha1) {
        self.algorithm = algorithm
        state = .allocate(capacity: 1)
        secret.bytes.withUnsafeBufferPointer { rekey($0) }
    }

    /// Prepares the key states from key bytes the caller holds (and wipes), for paths that open many keys.
    public init(key: UnsafeBufferPointer<UInt8>, algorithm: HashAlgorithm = .sha1) {
        self.algorithm = algorithm
        state = .allocate(capacity: 1)
        rekey(key)
    }

    /// Replaces the key (same algorithm) in this object's storage. Only for a caller that holds the
    /// only reference and opens many keys in a row (`find` over a million tokens), where making a key
    /// object per token (two allocations and a wipe) cost a fifth of the search.
    public func rekey(_ key: UnsafeBufferPointer<UInt8>) {
        let ok = oath_hmac_state_init(state, algorithm.shimIdentifier, key.baseAddress, key.count)
        precondition(ok == 1, "HashAlgorithm maps only to ids the shim knows")
    }

    deinit {
        oath_hmac_state_cleanse(state)
        state.deallocate()
    }

    /// HMAC of an 8-byte big-endian counter, the message of HOTP and TOTP.
    ///
    /// - Parameter body: receives the digest, valid only during the call.
    @inline(__always)
    public func withMAC<R>(counter: UInt64, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        var message = counter.bigEndian
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { out in
            withUnsafeBytes(of: &message) { msg in
                oath_hmac_state_mac8(state, msg.baseAddress!.assumingMemoryBound(to: UInt8.self), out.baseAddress!)
            }
            return body(UnsafeBufferPointer(start: out.baseAddress, count: algorithm.digestLength))
        }
    }

    /// HMAC of an arbitrary message (used for tests against RFC 4231-style data and the PSKC MAC).
    public func mac(_ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 64)
        message.withUnsafeBufferPointer { msg in
            oath_hmac_state_mac(state, msg.baseAddress, msg.count, &out)
        }
        return Array(out.prefix(algorithm.digestLength))
    }
}
