import Foundation

/// Where a PostgreSQL store is: `postgres://USER@HOST:PORT/DB?sslmode=MODE&sslrootcert=FILE`.
///
/// The password is never in the URL (nor anywhere on the command line): it comes from
/// `--store-password-file`, `PGPASSWORD`, or a `PGPASSFILE` / `~/.pgpass` entry, as psql finds it.
/// `host` may be a folder (starting with `/`, percent-encoded in the URL) holding the server's Unix socket.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    public var host: String
    public var port: Int
    public var database: String
    public var tls: TLSMode
    /// The CA file `verify-full` checks the server's certificate against (else the system's CAs).
    public var caFile: String?

    /// `sslmode`, as libpq names it: `disable` (the default), `require` (encrypted, certificate not
    /// checked) or `verify-full` (encrypted, certificate and host name checked).
    public enum TLSMode: String, Sendable, CaseIterable {
        case disable
        case require
        case verifyFull = "verify-full"
    }

    /// Why a store URL was refused.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// True when `text` names a PostgreSQL store rather than an SQLite file.
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    public init(parsing text: String) throws(ParseError) {
        let example = "postgres://USER@HOST:PORT/DATABASE"
        guard Self.isPostgres(text), let url = URLComponents(string: text) else {
            throw ParseError(description: "'\(text.prefix(200))' is not a PostgreSQL URL; write \(example)")
        }
        if url.password != nil {
            // Never repeat the URL: it holds the password.
            throw ParseError(description: "the store URL holds a password, which the command line must never carry (ps and shell history keep it); remove it and put it in --store-password-file, PGPASSWORD or ~/.pgpass")
        }
        guard let user = url.user, !user.isEmpty else { throw ParseError(description: "the store URL names no user; write \(example)") }
        guard let host = url.host, !host.isEmpty else { throw ParseError(description: "the store URL names no host; write \(example)") }
        let database = String(url.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else { throw ParseError(description: "the store URL names no database; write \(example)") }
        self.user = user.removingPercentEncoding ?? user
        self.host = host.removingPercentEncoding ?? host
        port = url.port ?? 5432
        self.database = database.removingPercentEncoding ?? database
        tls = .disable
        for item in url.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let mode = item.value.flatMap(TLSMode.init(rawValue:)) else {
                    throw ParseError(description: "sslmode must be one of \(TLSMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                tls = mode
            case "sslrootcert": caFile = item.value
            case "connect_timeout", "application_name": continue
            default: throw ParseError(description: "the store URL's parameter '\(item.name.prefix(40))' is not known (sslmode, sslrootcert)")
            }
        }
        if caFile != nil, tls != .verifyFull { throw ParseError(description: "sslrootcert is only used with sslmode=verify-full") }
    }

    /// The URL without any secret, for messages and the audit trail.
    public var description: String {
        var components = URLComponents()
        components.scheme = "postgres"
        components.user = user
        components.host = host.hasPrefix("/") ? host.addingPercentEncoding(withAllowedCharacters: .alphanumerics) : host
        components.port = port
        components.path = "/" + database
        return components.string ?? "postgres://\(user)@\(host):\(port)/\(database)"
    }

    /// True when `host` is a folder holding the server's Unix socket.
    public var isUnixSocket: Bool { host.hasPrefix("/") }
}
