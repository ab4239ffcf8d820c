import OATHCore
import TokenDomain
import TokenImport

extension TokenService {
    /// Every stored token in serial order, with its secret unsealed only when `includeSecrets`.
    ///
    /// Audited as one entry (how many tokens, with or without secrets), so an export of seeds never goes unrecorded.
    public func forEachExportToken(includeSecrets: Bool, destination: String, context: OperationContext,
                                   _ body: (ExportToken) throws -> Void) async throws {
        var count = 0
        let box = vault.box
        try await lanes.bulk.run { try await repository.forEachSealedToken { record in
            let token = record.token
            var secret: Secret?
            if includeSecrets {
                do { secret = try box.open(record.sealed, serial: token.serial) } catch { throw StoreError.wrongKey }
            }
            try body(ExportToken(upn: token.upn, serial: token.serial, secret: secret, interval: token.interval,
                                 manufacturer: token.manufacturer, model: token.model,
                                 hash: HashAlgorithm(rawValue: token.hash) ?? .sha1, digits: token.digits))
            count += 1
        } }
        try await transaction(context) { _, stamp in
            Decision(audit: [stamp.entry(.exported(tokens: count, withSecrets: includeSecrets, destination: destination))], result: ())
        }
    }
}
