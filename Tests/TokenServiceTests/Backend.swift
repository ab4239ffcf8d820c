import Foundation
import Logging
import PostgresNIO
import TokenStorePostgres
import TokenDomain

/// The backends the conformance tests run on: SQLite always, PostgreSQL when `make test` started a
/// throwaway cluster (`OATHCTL_TEST_POSTGRES`). With `OATHCTL_REQUIRE_POSTGRES=1` (set by `make
/// test`, so by CI) a missing cluster fails the PostgreSQL cases instead of leaving them out.
enum Backend: String, Sendable, CustomStringConvertible {
    case sqlite
    case postgres

    var description: String { rawValue }

    static var all: [Backend] {
        let environment = ProcessInfo.processInfo.environment
        if environment["OATHCTL_TEST_POSTGRES"] != nil || environment["OATHCTL_REQUIRE_POSTGRES"] == "1" { return [.sqlite, .postgres] }
        return [.sqlite]
    }

    /// PostgreSQL alone (the race tests), or nothing when no cluster runs.
    static var postgresOnly: [Backend] { all.filter { $0 == .postgres } }
}

/// The throwaway cluster `scripts/pg-up.sh` started: a fresh database per test, so tests never share state.
enum PostgresTestServer {
    struct Unavailable: Error, CustomStringConvertible {
        var description: String
    }

    static var url: String? { ProcessInfo.processInfo.environment["OATHCTL_TEST_POSTGRES"] }
    static var password: String? { ProcessInfo.processInfo.environment["PGPASSWORD"] }

    /// A new, empty database on the cluster; its store URL.
    static func makeDatabase() async throws -> PostgresLocation {
        guard let url else {
            throw Unavailable(description: "OATHCTL_REQUIRE_POSTGRES is set but OATHCTL_TEST_POSTGRES is not: the PostgreSQL cluster was not started (scripts/pg-up.sh)")
        }
        var location = try PostgresLocation(parsing: url)
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        _ = try await query(location, "CREATE DATABASE \(name)")
        location.database = name
        return location
    }

    /// Runs one statement on `location`'s database, outside any store; its rows as text.
    @discardableResult
    static func query(_ location: PostgresLocation, _ sql: String) async throws -> [[String?]] {
        let configuration = PostgresConnection.Configuration(host: location.host, port: location.port, username: location.user,
                                                             password: password, database: location.database, tls: .disable)
        let logger = Logger(label: "test.postgres")
        let connection = try await PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(),
                                                              configuration: configuration, id: 1, logger: logger)
        do {
            var result: [[String?]] = []
            for try await row in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) {
                result.append(row.map { cell in cell.bytes.map { String(decoding: $0.readableBytesView, as: UTF8.self) } })
            }
            try await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }
}
