import COpenSSL
import Foundation
import OATHCore

/// Seals token secrets with AES-256-GCM (libcrypto) under the store's master key.
///
/// Each seal uses a fresh random 96-bit nonce; the token's serial is bound in as associated data,
/// so a sealed secret copied onto another row does not open. Layout of a sealed value:
/// `version (1) | nonce (12) | ciphertext | tag (16)`.
///
/// Safe to share between threads and tasks: the sealing context and the nonce pool are behind
/// `sealing`, the opening context behind `opening`, so two threads can never take one nonce (and
/// AES-GCM never sees a nonce twice under one key). Nonces come from `RAND_bytes` (OpenSSL's
/// CSPRNG), drawn 256 at a time, each handed out once.
public final class SecretBox: @unchecked Sendable {
    // @unchecked: all mutable state (the contexts, the nonce pool) is used only under its lock.
    private let sealing = NSLock()
    private let opening = NSLock()
    static let version: UInt8 = 1
    static let nonceLength = 12
    static let tagLength = 16

    /// Keyed once: each seal or open then only sets its nonce, skipping the AES key schedule and GCM setup.
    private let sealer: OpaquePointer
    private let opener: OpaquePointer
    /// Random bytes drawn ahead for the nonces of the next seals, each used once. One `RAND_bytes`
    /// per 256 seals instead of one per seal: its fixed cost per call was a fifth of an import's
    /// reading thread. Nonces are not secret (they are stored beside the ciphertext).
    private var nonces: [UInt8] = []
    private var noncesUsed = 0
    private static let noncesPerDraw = 256

    public init(key: MasterKey) {
        sealer = EVP_CIPHER_CTX_new()
        opener = EVP_CIPHER_CTX_new()
        let ok = key.withBytes { keyBytes in
            EVP_EncryptInit_ex(sealer, EVP_aes_256_gcm(), nil, nil, nil) == 1
                && EVP_CIPHER_CTX_ctrl(sealer, EVP_CTRL_GCM_SET_IVLEN, Int32(Self.nonceLength), nil) == 1
                && EVP_EncryptInit_ex(sealer, nil, nil, keyBytes, nil) == 1
                && EVP_DecryptInit_ex(opener, EVP_aes_256_gcm(), nil, nil, nil) == 1
                && EVP_CIPHER_CTX_ctrl(opener, EVP_CTRL_GCM_SET_IVLEN, Int32(Self.nonceLength), nil) == 1
                && EVP_DecryptInit_ex(opener, nil, nil, keyBytes, nil) == 1
        }
        precondition(ok, "libcrypto could not set up AES-256-GCM")
    }

    deinit {
        EVP_CIPHER_CTX_free(sealer)
        EVP_CIPHER_CTX_free(opener)
    }

    /// Why a sealed value did not open.
    public enum OpenError: Error, Equatable, CustomStringConvertible {
        /// Wrong key, another row's value, or tampered bytes: GCM's tag did not verify.
        case authenticationFailed
        /// Not a value this version of oathctl wrote.
        case malformed

        public var description: String {
            switch self {
            case .authenticationFailed: "a sealed secret did not open: the master key is not this store's, or the value was altered"
            case .malformed: "a sealed secret is malformed (not written by this version of oathctl)"
            }
        }
    }

    /// Encrypts `plaintext`, binding `associatedData` (the serial).
    public func seal(_ plaintext: [UInt8], associatedData: [UInt8]) -> [UInt8] {
        sealing.lock()
        defer { sealing.unlock() }
        var out = [UInt8](repeating: 0, count: 1 + Self.nonceLength + plaintext.count + Self.tagLength)
        out[0] = Self.version
        out.replaceSubrange(1...Self.nonceLength, with: nextNonce())
        var length: Int32 = 0
        let context = sealer
        let ok = out.withUnsafeMutableBufferPointer { buffer -> Bool in
            let nonce = buffer.baseAddress! + 1
            let body = nonce + Self.nonceLength
            guard EVP_EncryptInit_ex(context, nil, nil, nil, nonce) == 1,
                  EVP_EncryptUpdate(context, nil, &length, associatedData, Int32(associatedData.count)) == 1,
                  EVP_EncryptUpdate(context, body, &length, plaintext, Int32(plaintext.count)) == 1,
                  EVP_EncryptFinal_ex(context, body + Int(length), &length) == 1 else { return false }
            return EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(Self.tagLength), body + plaintext.count) == 1
        }
        guard ok else { fatalError("libcrypto AES-256-GCM encryption failed") }
        return out
    }

    /// A fresh random nonce, never handed out twice.
    private func nextNonce() -> ArraySlice<UInt8> {
        if noncesUsed == nonces.count {
            nonces = [UInt8](repeating: 0, count: Self.nonceLength * Self.noncesPerDraw)
            guard RAND_bytes(&nonces, Int32(nonces.count)) == 1 else { fatalError("libcrypto RAND_bytes failed: no entropy") }
            noncesUsed = 0
        }
        defer { noncesUsed += Self.nonceLength }
        return nonces[noncesUsed..<noncesUsed + Self.nonceLength]
    }

    /// Decrypts a sealed value; throws unless the key, the associated data and every byte match.
    public func open(_ sealed: [UInt8], associatedData: [UInt8]) throws(OpenError) -> [UInt8] {
        var plaintext = [UInt8](repeating: 0, count: max(sealed.count, 1))
        let length = try sealed.withUnsafeBufferPointer { (sealed) throws(OpenError) -> Int in
            try associatedData.withUnsafeBufferPointer { (aad) throws(OpenError) -> Int in
                try plaintext.withUnsafeMutableBufferPointer { (out) throws(OpenError) -> Int in
                    try open(sealed, associatedData: aad, into: out)
                }
            }
        }
        defer { OPENSSL_cleanse(&plaintext, plaintext.count) }
        return Array(plaintext.prefix(length))
    }

    /// Decrypts a sealed value into `plaintext` (at least as long as `sealed`) and returns its length.
    ///
    /// Allocates nothing, for `find`, which opens every token of the store. On failure `plaintext` is wiped.
    public func open(_ sealed: UnsafeBufferPointer<UInt8>, associatedData: UnsafeBufferPointer<UInt8>,
                     into plaintext: UnsafeMutableBufferPointer<UInt8>) throws(OpenError) -> Int {
        guard sealed.count >= 1 + Self.nonceLength + Self.tagLength, sealed[0] == Self.version,
              plaintext.count >= sealed.count else { throw .malformed }
        let bodyLength = sealed.count - 1 - Self.nonceLength - Self.tagLength
        let nonce = sealed.baseAddress! + 1
        let body = nonce + Self.nonceLength
        let tag = UnsafeMutableRawPointer(mutating: body + bodyLength)
        var length: Int32 = 0, finalLength: Int32 = 0
        opening.lock()
        defer { opening.unlock() }
        let context = opener
        guard EVP_DecryptInit_ex(context, nil, nil, nil, nonce) == 1,
              EVP_DecryptUpdate(context, nil, &length, associatedData.baseAddress, Int32(associatedData.count)) == 1,
              EVP_DecryptUpdate(context, plaintext.baseAddress, &length, body, Int32(bodyLength)) == 1,
              EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(Self.tagLength), tag) == 1,
              EVP_DecryptFinal_ex(context, plaintext.baseAddress! + Int(length), &finalLength) == 1 else {
            OPENSSL_cleanse(plaintext.baseAddress, plaintext.count)
            throw .authenticationFailed
        }
        return bodyLength
    }

    /// Seals a token secret bound to its serial.
    public func seal(_ secret: Secret, serial: String) -> [UInt8] {
        seal(secret.bytes, associatedData: Self.associatedData(serial: serial))
    }

    /// Opens a token secret sealed for `serial`.
    public func open(_ sealed: [UInt8], serial: String) throws(OpenError) -> Secret {
        Secret(bytes: try open(sealed, associatedData: Self.associatedData(serial: serial)))
    }

    public static func associatedData(serial: String) -> [UInt8] { associatedDataPrefix + Array(serial.utf8) }

    /// What precedes the serial in a token secret's associated data.
    public static let associatedDataPrefix = Array("oathctl-token-v1:".utf8)
}
