import ArgumentParser
import Foundation
import Logging
import Hummingbird
import OATHServer
import ServiceLifecycle
import TokenStore
import TokenDomain
import TokenService

extension Oathctl {
    /// `oathctl serve`: the API for the helpdesk and applications, under each operator's own name.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve the HTTP API (helpdesk and sign-in checks) on either store, for authenticated operators.",
            discussion: """
            Operators log in (POST /api/v1/session: a session cookie and a CSRF token) or send an API \
            key (Authorization: Bearer); each route needs a permission of the operator's role (see \
            'oathctl operator --help'). Plain HTTP is served only on a loopback address unless \
            --insecure-http says a TLS proxy stands in front; otherwise give --tls-cert and --tls-key. \
            SIGTERM or SIGINT stops accepting, lets requests in flight finish, and exits 0.

            Example:
              oathctl serve --listen 127.0.0.1:8443
              oathctl serve --listen 0.0.0.0:8443 --tls-cert server.pem --tls-key server.key
            """
        )

        @OptionGroup var storeOptions: StoreOptions
        @Option(help: ArgumentHelp("Address and port to listen on.", valueName: "host:port")) var listen = "127.0.0.1:8443"
        @Option(name: .customLong("tls-cert"), help: ArgumentHelp("The certificate chain (PEM).", valueName: "path")) var tlsCertificate: String?
        @Option(name: .customLong("tls-key"), help: ArgumentHelp("The certificate's private key (PEM).", valueName: "path")) var tlsKey: String?
        @Flag(name: .customLong("insecure-http"), help: "Serve plain HTTP on a non-loopback address (behind a TLS proxy only).")
        var insecureHTTP = false
        @Option(name: .customLong("trusted-proxy"),
                help: ArgumentHelp("The proxy's address: its X-Forwarded-For names the client (ignored from anyone else).", valueName: "address"))
        var trustedProxy: String?
        @Option(name: .customLong("max-upload-mb"), help: ArgumentHelp("The largest token file POST /api/v1/validate and /imports take, in MiB (1-4096).", valueName: "MiB"))
        var maxUploadMB = APIServer.defaultMaxUploadMB

        func validate() throws {
            if storeOptions.actor != nil { throw ValidationError("the server records each request under its authenticated operator; --actor does not apply") }
            guard (1...4096).contains(maxUploadMB) else { throw ValidationError("--max-upload-mb takes 1 to 4096 (MiB)") }
            if (tlsCertificate == nil) != (tlsKey == nil) { throw ValidationError("give --tls-cert and --tls-key together") }
            let settings = try self.settings()
            if settings.tls == nil, !settings.isLoopback, !insecureHTTP {
                throw ValidationError("plain HTTP on \(settings.host) would carry passwords and keys in the clear: give --tls-cert and --tls-key, listen on 127.0.0.1, or add --insecure-http behind a TLS proxy")
            }
        }

        private static func application(service: TokenService, settings: ServerSettings, logger: Logger) throws -> some ApplicationProtocol {
            do {
                return try makeServerApplication(service: service, settings: settings, logger: logger) { port in
                    Terminal.printError("oathctl: serving \(settings.tls == nil ? "http" : "https")://\(settings.host):\(port)/ (the page; the API under /api/v1; stop with Ctrl-C or SIGTERM)")
                }
            } catch {
                throw CLIError("cannot use the TLS certificate or key: \(error)").exit()
            }
        }

        /// Every connection is a file descriptor: the soft limit (often 1,024) goes up to the hard
        /// one, so that many slow or idle clients cannot use up the descriptors honest ones need.
        private static func raiseOpenFileLimit() {
            var limit = rlimit()
            guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
        }

        func settings() throws -> ServerSettings {
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65_535).contains(port) else {
                throw ValidationError("--listen takes host:port, for example 127.0.0.1:8443")
            }
            let host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            return ServerSettings(host: host, port: port, tls: tlsCertificate.map { ($0, tlsKey!) }, trustedProxy: trustedProxy,
                                  maxUploadMB: maxUploadMB)
        }

        func run() async throws {
            Self.raiseOpenFileLimit()
            let service = try await storeOptions.open(serving: true)
            let settings = try self.settings()
            var logger = Logger(label: "oathctl.serve")
            logger.logLevel = .info
            let application = try Self.application(service: service, settings: settings, logger: logger)
            // SIGTERM or SIGINT: stop accepting, let requests in flight finish for at most 10 s.
            var configuration = ServiceGroupConfiguration(services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
            configuration.maximumGracefulShutdownDuration = .seconds(10)
            try await ServiceGroup(configuration: configuration).run()
            await service.repository.close()
        }
    }
}
