import Foundation
import Testing

/// End-to-end: `oathctl serve` over TLS on loopback with a certificate made here by `openssl req`,
/// the helpdesk flow and an application's check with curl, then SIGTERM and exit 0.
@Suite struct ServeCommandTests {
    static let seed = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
    static let password = "a long enough password"

    /// Runs a program, returning its standard output; fails the test when it exits non-zero.
    @discardableResult
    static func run(_ program: String, _ arguments: [String], in directory: URL) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(program) \(arguments.joined(separator: " "))")
        return String(decoding: data, as: UTF8.self)
    }

    @Test func theHelpdeskAndAnApplicationOverTLS() throws {
        let directory = scratchDirectory("oathctl-serve")
        let cli = CommandRunner.forStore(in: directory)
        #expect(try cli.run(["init"]).status == 0)
        let tokens = directory.appendingPathComponent("t.csv")
        try Data("upn,serial number,secret key,time interval,manufacturer,model\nhelga@contoso.com,T1,\(Self.seed),30,Contoso,Key\n".utf8).write(to: tokens)
        #expect(try cli.run(["import", tokens.path, "--report", directory.appendingPathComponent("r.csv").path]).status == 0)
        #expect(try cli.run(["operator", "add", "hana", "--role", "helpdesk"], stdin: Self.password + "\n").status == 0)
        let key = try #require(try cli.run(["operator", "add", "vpn", "--role", "verifier", "--api-key"]).stdout.split(separator: "\n").last)
        try Self.run("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem",
                                          "-days", "1", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"], in: directory)

        // Plain HTTP off loopback is refused before anything listens.
        let refused = try cli.run(["serve", "--listen", "0.0.0.0:0"])
        #expect(refused.status == 2 && refused.stderr.contains("--tls-cert"))

        let server = cli.makeProcess(["serve", "--listen", "127.0.0.1:0", "--tls-cert", "cert.pem", "--tls-key", "key.pem"])
        server.currentDirectoryURL = directory
        let log = directory.appendingPathComponent("serve.log")
        FileManager.default.createFile(atPath: log.path, contents: nil)
        server.standardError = try FileHandle(forWritingTo: log)
        server.standardOutput = FileHandle.nullDevice
        try server.run()
        defer { if server.isRunning { kill(server.processIdentifier, SIGKILL) } }
        var port: String?
        for _ in 0..<200 where port == nil {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            if let range = text.range(of: "serving https://127.0.0.1:") {
                port = String(text[range.upperBound...].prefix { $0.isNumber })
            } else {
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        let api = "https://localhost:\(try #require(port, "the server did not start"))/api/v1"
        func curl(_ arguments: [String]) throws -> String {
            try Self.run("/usr/bin/curl", ["-s", "--cacert", "cert.pem", "-b", "jar", "-c", "jar"] + arguments, in: directory)
        }
        let code = { (time: Int) in
            try cli.run(["code", "--time", String(time)], stdin: Self.seed).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let now = Int(Date().timeIntervalSince1970)
        let login = try curl(["-H", "Content-Type: application/json", "-d", #"{"name":"hana","password":"\#(Self.password)"}"#, "\(api)/session"])
        let csrf = try #require((try JSONSerialization.jsonObject(with: Data(login.utf8)) as? [String: Any])?["csrfToken"] as? String)
        let json = ["-H", "Content-Type: application/json", "-H", "X-CSRF-Token: \(csrf)"]
        let activated = try curl(json + ["-d", #"{"code":"\#(try code(now))"}"#, "\(api)/tokens/T1/activate"])
        #expect(activated.contains(#""accepted":true"#), "\(activated)")
        let headers = try curl(["-D", "-", "-o", "/dev/null", "\(api)/tokens/T1"])
        #expect(headers.lowercased().contains("strict-transport-security: max-age=31536000"))
        let sessionCookie = try String(contentsOf: directory.appendingPathComponent("jar"), encoding: .utf8)
        #expect(sessionCookie.contains("#HttpOnly_localhost") && sessionCookie.contains("TRUE"))  // HttpOnly and Secure
        let check = try Self.run("/usr/bin/curl", ["-s", "--cacert", "cert.pem", "-H", "Authorization: Bearer \(key)", "-H",
                                                   "Content-Type: application/json", "-d", #"{"upn":"helga@contoso.com","code":"\#(try code(now + 30))"}"#,
                                                   "\(api)/verify"], in: directory)
        #expect(check.contains(#""accepted":true"#) || check.contains("code_reused"), "\(check)")

        // An admin's uploads: the validate download is byte for byte what `oathctl validate` writes;
        // an encrypted PSKC is imported with its key in a header.
        let admin = try #require(try cli.run(["operator", "add", "boss", "--role", "admin", "--api-key"]).stdout.split(separator: "\n").last)
        let asAdmin = ["-H", "Authorization: Bearer \(admin)"]
        try Self.run("/usr/bin/curl", ["-s", "--cacert", "cert.pem", "-H", "Accept: text/csv", "--data-binary", "@" + sample("tokens-with-errors.csv"),
                                       "-o", "downloaded.csv", "\(api)/validate?name=tokens-with-errors.csv"] + asAdmin, in: directory)
        _ = try cli.run(["validate", sample("tokens-with-errors.csv"), "--report", directory.appendingPathComponent("cli.csv").path])
        let downloaded = try Data(contentsOf: directory.appendingPathComponent("downloaded.csv"))
        let written = try Data(contentsOf: directory.appendingPathComponent("cli.csv"))
        #expect(!downloaded.isEmpty && downloaded == written)
        let transportKey = try String(contentsOf: URL(fileURLWithPath: sample("vendor-transport.key")), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let imported = try Self.run("/usr/bin/curl", ["-s", "--cacert", "cert.pem", "-H", "X-PSKC-Key: \(transportKey)", "--data-binary",
                                                      "@" + sample("vendor-tokens.pskc.xml"), "\(api)/imports?name=vendor.pskc"] + asAdmin,
                                    in: directory)
        #expect(imported.contains(#""added":5"#), "\(imported)")
        let metrics = try Self.run("/usr/bin/curl", ["-s", "--cacert", "cert.pem", "\(api)/metrics"], in: directory)
        #expect(metrics.contains("oathctl_sign_in_checks_total"))

        kill(server.processIdentifier, SIGTERM)
        server.waitUntilExit()
        #expect(server.terminationStatus == 0)

        // Nothing the run produced holds a secret: not the log, the audit, the metrics or the store
        // file (seeds sealed, passwords hashed, keys and session ids as digests).
        let sessionId = try #require(sessionCookie.split(separator: "\t").last?.trimmingCharacters(in: .whitespacesAndNewlines))
        _ = try cli.run(["convert", sample("vendor-tokens.pskc.xml"), "--psk-file", sample("vendor-transport.key"), "--to", "entra-csv",
                         "--output", directory.appendingPathComponent("plain.csv").path, "--report", directory.appendingPathComponent("c.csv").path])
        let vendorSeeds = try String(contentsOf: directory.appendingPathComponent("plain.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { String($0.split(separator: ",", omittingEmptySubsequences: false)[2]) }
        #expect(vendorSeeds.count == 5)
        let store = ["tokens.sqlite", "tokens.sqlite-wal"].map {
            String(decoding: (try? Data(contentsOf: directory.appendingPathComponent($0))) ?? Data(), as: UTF8.self)
        }
        let produced = [try String(contentsOf: log, encoding: .utf8), try cli.run(["audit", "--format", "json"]).stdout, metrics, imported] + store
        let secrets = [Self.password, String(key), String(admin), csrf, sessionId, Self.seed, transportKey] + vendorSeeds
        for (index, text) in produced.enumerated() {
            for secret in secrets { #expect(!text.contains(secret), "output \(index) holds a secret") }
            // (The store's files are binary: a code's six digits may occur in them by chance.)
            for code in [try code(now), try code(now + 30)] where index < 4 {
                #expect(text.range(of: "(?<![0-9])\(code)(?![0-9])", options: .regularExpression) == nil, "output \(index) holds a code")
            }
        }
    }
}
