/// The master key and what is derived from it: the box that seals seeds and the seed fingerprint.
///
/// Every backend and the service take the same vault, so a seed is sealed the same way whatever
/// holds it, and a store copied between backends opens under the same key.
public struct Vault: Sendable {
    public let key: MasterKey
    /// Safe to share: its contexts are behind locks (see `SecretBox`).
    public let box: SecretBox
    public let fingerprint: SecretFingerprint

    public init(key: MasterKey) {
        self.key = key
        box = SecretBox(key: key)
        fingerprint = SecretFingerprint(masterKey: key)
    }

    /// A value sealed under the key when a store is made; opening it tells a wrong key at once,
    /// before any seed is read.
    public func makeKeyCheck() -> [UInt8] {
        box.seal(Array(Self.keyCheckText.utf8), associatedData: Array("key-check".utf8))
    }

    /// Whether `sealed` (a store's key check) was made under this key.
    public func opens(keyCheck sealed: [UInt8]) -> Bool {
        guard let opened = try? box.open(sealed, associatedData: Array("key-check".utf8)) else { return false }
        return opened == Array(Self.keyCheckText.utf8)
    }

    private static let keyCheckText = "oathctl master key check v1"
}
