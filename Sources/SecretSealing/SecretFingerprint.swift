import COpenSSL
import OATHCore

/// A keyed fingerprint of a seed: HMAC-SHA-256 of the seed under a key derived from the master key,
/// cut to 128 bits (two seeds share one with a probability of 2^-64 even among 2^32 tokens; the
/// full 256 bits cost 32 more bytes per token in the row and its index).
///
/// Stored beside each token (`token.secret_fp`, indexed) so an import finds a seed already stored
/// under another serial (`secret_duplicate`) without unsealing every token. Without the master key
/// the fingerprint reveals nothing of the seed (a plain hash of a short seed could be searched).
/// The derivation is HMAC-SHA-256(master key, "oathctl secret fingerprint v1"): a different key
/// from the one that seals, so no fingerprint is ever computed under the sealing key.
public final class SecretFingerprint: @unchecked Sendable {
    // @unchecked: `key` is immutable after init; `HMACKey.mac` only reads its state.
    private let key: HMACKey

    public init(masterKey: MasterKey) {
        var derived = masterKey.withBytes { bytes in
            HMACKey(key: UnsafeBufferPointer(start: bytes, count: MasterKey.length), algorithm: .sha256)
                .mac(Array("oathctl secret fingerprint v1".utf8))
        }
        key = derived.withUnsafeBufferPointer { HMACKey(key: $0, algorithm: .sha256) }
        OPENSSL_cleanse(&derived, derived.count)
    }

    public static let length = 16

    public func of(_ secret: Secret) -> [UInt8] { Array(key.mac(secret.bytes).prefix(Self.length)) }
}
