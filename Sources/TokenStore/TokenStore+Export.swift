import Foundation
import GRDB
import OATHCore
import TokenImport

extension TokenStore {
    /// Every stored token in serial order, with its secret unsealed only when `includeSecrets`.
    ///
    /// Audited as one entry (how many tokens, with or without secrets), so an export of seeds never goes unrecorded.
    public func forEachExportToken(includeSecrets: Bool, destination: String, _ body: (ExportToken) throws -> Void) throws {
        var count = 0
        try db.read { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT serial, sealed_secret, upn, interval, hash, digits, manufacturer, model FROM token ORDER BY serial")
            while let row = try rows.next() {
                let serial: String = row["serial"]
                var secret: Secret?
                if includeSecrets {
                    do { secret = try box.open(Array(row["sealed_secret"] as Data), serial: serial) } catch { throw StoreError.wrongKey }
                }
                try body(ExportToken(upn: row["upn"], serial: serial, secret: secret, interval: row["interval"],
                                     manufacturer: row["manufacturer"], model: row["model"],
                                     hash: HashAlgorithm(rawValue: row["hash"]) ?? .sha1, digits: row["digits"]))
                count += 1
            }
        }
        try write { db in
            try audit(db, action: "store.export", serial: nil, upn: nil,
                      detail: "\(count) tokens \(includeSecrets ? "with secrets" : "without secrets") to \(destination)")
        }
    }
}
