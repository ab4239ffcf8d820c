import OATHCore
import SecretSealing
import TokenDomain
import TokenImport

/// The store as the file rules see it during a PostgreSQL import: read once, under the import's
/// exclusive ownership lock (nothing can change it meanwhile), into memory.
///
/// The rules ask synchronously, row by row; a round trip per row to the server would cost more than
/// the whole import. Empty when the store held no token and no app (then nothing is read).
struct PreloadedStoreView: StoreView {
    /// Serial key -> the serial as stored (the seed is sealed to it), owner and sealed seed.
    var tokens: [String: (serial: String, upn: String?, sealed: [UInt8])] = [:]
    var methods: [String: Int] = [:]
    /// Seed fingerprint -> serial.
    var fingerprints: [[UInt8]: String] = [:]
    let vault: Vault
    let isKnownEmpty: Bool

    func existingToken(serial: String) -> ExistingToken? {
        tokens[Serial.key(serial)].map { ExistingToken(upn: $0.upn) }
    }

    func methodCount(userKey: String) -> Int { methods[userKey] ?? 0 }

    func secretMatches(serial: String, secret: Secret) -> Bool {
        guard let token = tokens[Serial.key(serial)],
              let stored = try? vault.box.open(token.sealed, serial: token.serial) else { return false }
        return stored == secret
    }

    func serialHoldingSecret(_ secret: Secret) -> String? {
        fingerprints[vault.fingerprint.of(secret)]
    }
}
