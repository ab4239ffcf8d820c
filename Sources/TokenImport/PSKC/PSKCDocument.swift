import OATHCore

/// What a PSKC (RFC 6030) key container says, as far as TOTP tokens need.
struct PSKCContainer {
    /// `EncryptionKey/DerivedKey`: the key comes from a password (PBKDF2).
    struct Derivation {
        var salt: [UInt8] = []
        var iterations = 0
        var keyLength = 16
        var hash: HashAlgorithm = .sha1
    }

    var derivation: Derivation?
    /// `MACMethod`: the algorithm and the MAC key, itself encrypted with the encryption key.
    var macHash: HashAlgorithm?
    var macKeyCipher: [UInt8]?
    /// The `MACMethod` algorithm URI as written, for a message when it is not supported.
    var macAlgorithm = ""
}

/// One `KeyPackage`.
struct PSKCKeyPackage {
    /// The line of `<KeyPackage>` in the file, for findings.
    var line = 0
    var serial = ""
    var manufacturer = ""
    var model = ""
    var keyAlgorithm = ""
    var digits = ""
    var suite = ""
    var interval = ""
    /// `Key/UserId`: used as the UPN when it is one (oathctl writes it so); directory DNs are ignored.
    var userId = ""
    var plainSecret: String?
    var encryptedSecret: [UInt8]?
    var encryptionAlgorithm = ""
    var valueMAC: [UInt8]?
    /// Problems met while reading this package (bad Base64, for example).
    var problems: [String] = []
}

/// RFC 6030 algorithm and encryption identifiers.
enum PSKCNames {
    static let totp = "urn:ietf:params:xml:ns:keyprov:pskc:totp"
    static let hotp = "urn:ietf:params:xml:ns:keyprov:pskc:hotp"

    enum AlgorithmKind {
        case totp, hotp, ocra, yubico, pin, missing, other

        /// Why a key of this kind is not loaded (nil for TOTP), naming the key.
        func refusal(key name: String, uri: String) -> String? {
            switch self {
            case .totp: nil
            case .hotp: "key \(name) is HOTP (counter-based); the upload takes TOTP tokens only"
            case .ocra: "key \(name) is OCRA (challenge-response); the upload takes TOTP tokens only"
            case .yubico: "key \(name) is a Yubico OTP (YubiKey AES) key, not an OATH TOTP seed; the upload takes TOTP tokens only"
            case .pin: "key \(name) is a PIN (a PIN policy's key), not an OTP seed; nothing to load"
            case .missing: "key package \(name) names no key algorithm (or has no Key); the upload takes TOTP keys only: ask the vendor for the full package"
            case .other: "key algorithm '\(uri.suffix(60))' is not TOTP; the upload takes TOTP tokens only"
            }
        }
    }

    /// The kind of a key algorithm URI: RFC 6030's (`...:pskc:totp`), the pre-RFC drafts'
    /// (`urn:ietf:params:xml:ns:keyprov:pskc#totp`, `http://www.ietf.org/keyprov/pskc#hotp`) and OCRA's.
    static func kind(of uri: String) -> AlgorithmKind {
        let lower = uri.lowercased()
        if lower == totp || lower.hasSuffix("pskc#totp") { return .totp }
        if lower == hotp || lower.hasSuffix("pskc#hotp") { return .hotp }
        if lower.contains("ocra") { return .ocra }
        if lower.contains("yubico") || lower.contains("yubikey") { return .yubico }
        if lower.hasSuffix("pskc:pin") { return .pin }
        if lower.isEmpty { return .missing }
        return .other
    }
    static let pbkdf2 = "http://www.rsasecurity.com/rsalabs/pkcs/schemas/pkcs-5v2-0#pbkdf2"
    static let aesCBC: Set<String> = [
        "http://www.w3.org/2001/04/xmlenc#aes128-cbc",
        "http://www.w3.org/2001/04/xmlenc#aes192-cbc",
        "http://www.w3.org/2001/04/xmlenc#aes256-cbc",
    ]

    /// The hash of an HMAC algorithm URI (xmldsig hmac-sha1, xmldsig-more hmac-sha256), if supported.
    static func macHash(_ uri: String) -> HashAlgorithm? {
        if uri.hasSuffix("#hmac-sha1") { return .sha1 }
        if uri.hasSuffix("#hmac-sha256") { return .sha256 }
        return nil
    }
}
