import Foundation

/// Finds the password for a PostgreSQL store the way psql does, never from the command line:
/// a password file named by `--store-password-file`, else `PGPASSWORD`, else the first matching
/// line of `PGPASSFILE` (default `~/.pgpass`), whose mode must be 0600 or stricter. Nil when none
/// is set: trust or peer authentication needs none.
public enum PostgresPassword {
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    public static func find(for location: PostgresLocation, file: String?,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws(Problem) -> String? {
        if let file {
            guard let data = FileManager.default.contents(atPath: file), let text = String(data: data, encoding: .utf8) else {
                throw Problem(description: "cannot read the store password file \(file)")
            }
            let password = text.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            guard !password.isEmpty else { throw Problem(description: "the store password file \(file) is empty") }
            return password
        }
        if let password = environment["PGPASSWORD"], !password.isEmpty { return password }
        let home = environment["HOME"] ?? NSHomeDirectory()
        let passFile = environment["PGPASSFILE"] ?? home + "/.pgpass"
        var info = stat()
        guard stat(passFile, &info) == 0 else { return nil }
        if info.st_mode & 0o077 != 0 {
            throw Problem(description: "\(passFile) has mode \(String(info.st_mode & 0o777, radix: 8)); others could read it. Run: chmod 600 \(passFile)")
        }
        guard let data = FileManager.default.contents(atPath: passFile), let text = String(data: data, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = splitPassLine(String(line))
            guard fields.count == 5 else { continue }
            let wanted = [location.host, String(location.port), location.database, location.user]
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    /// `host:port:database:user:password`, where `\:` and `\\` stand for `:` and `\`.
    static func splitPassLine(_ line: String) -> [String] {
        var fields: [String] = [], current = "", escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":", fields.count < 4 {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
