import ArgumentParser
import TokenDomain
import TokenService

extension Oathctl {
    /// `oathctl audit`: the audit trail.
    struct Audit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show the audit trail: every change, when, by whom (never a secret).",
            discussion: "JSON output is an array of objects with the keys id, at (Unix seconds), actor, action, serial, upn, detail."
        )

        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "Only entries about this serial.") var serial: String?
        @Option(help: ArgumentHelp("Only entries about this user (case-insensitive).", valueName: "upn")) var user: String?
        @Option(help: ArgumentHelp("Only entries at or after this Unix time.", valueName: "seconds")) var since: Int64?
        @Option(help: "Output: table, json or csv.") var format: ListFormat = .table

        func run() async throws {
            let service = try await storeOptions.open()
            let entries = try await storeOperation { try await service.auditTrail(AuditQuery(serial: serial, user: user, since: since)) }
            let header = ["id", "at", "actor", "action", "serial", "upn", "detail"]
            let rows = entries.map { [String($0.id), Table.time($0.at), $0.actor, $0.action, $0.serial ?? "", $0.upn ?? "", $0.detail] }
            switch format {
            case .json: try JSONOutput.print(entries)
            case .csv: print(Table.csv(header: header, rows: rows))
            case .table: print(Table.render(header: header, rows: rows))
            }
        }
    }

    /// `oathctl batches`: the import runs.
    struct Batches: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List import batches: file, SHA-256, counts, time, actor.")

        @OptionGroup var storeOptions: StoreOptions
        @Option(help: "Output: table, json or csv.") var format: ListFormat = .table

        func run() async throws {
            let service = try await storeOptions.open()
            let batches = try await storeOperation { try await service.batches() }
            let header = ["id", "at", "actor", "file", "rows", "added", "assigned", "unchanged", "rejected", "sha256"]
            let rows = batches.map { b in
                [String(b.id), Table.time(b.createdAt), b.actor, b.fileName, String(b.rowsRead), String(b.added), String(b.assigned),
                 String(b.unchanged), String(b.rejected), String(b.sha256.prefix(16))]
            }
            switch format {
            case .json: try JSONOutput.print(batches)
            case .csv: print(Table.csv(header: header, rows: rows))
            case .table: print(Table.render(header: header, rows: rows))
            }
        }
    }
}
