import ArgumentParser
import TokenImport
import TokenDomain
import TokenService

extension Oathctl {
    /// `oathctl show SERIAL`: one token in full, without its secret.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one token (never its secret).")

        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The token's serial number.") var serial: String
        @Option(help: "Output: text or json.") var format: OutputFormat = .text

        func run() async throws {
            let service = try await storeOptions.open()
            let t = try await storeOperation { try await service.token(serial: serial) }
            if format == .json { return try JSONOutput.print(t) }
            let fields: [(String, String)] = [
                ("serial", t.serial), ("user", t.upn ?? "(unassigned)"), ("status", t.status.rawValue),
                ("interval", "\(t.interval) s"), ("hash", t.hash), ("digits", String(t.digits)),
                ("manufacturer", t.manufacturer), ("model", t.model),
                ("drift", "\(t.drift) steps (\(t.drift * t.interval) s)"), ("last used step", t.lastUsedStep.map(String.init) ?? "none"),
                ("failed attempts", String(t.failedAttempts)), ("locked until", t.lockedUntil.map { Table.time($0) } ?? "not locked"),
                ("batch", t.batch.map(String.init) ?? ""), ("created", Table.time(t.createdAt)), ("updated", Table.time(t.updatedAt)),
            ]
            for (name, value) in fields { print(name.padding(toLength: 16, withPad: " ", startingAt: 0) + DisplayText.escaped(value)) }
        }
    }
}
