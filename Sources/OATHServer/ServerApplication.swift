import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import NIOSSL
import Logging
import TokenService

/// Where and how `oathctl serve` listens.
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    /// PEM files of the certificate chain and its key; both or neither.
    public var tls: (certificate: String, key: String)?
    /// The TLS proxy in front, whose `X-Forwarded-For` is believed.
    public var trustedProxy: String?
    /// The largest token file an upload may be, in MiB.
    public var maxUploadMB: Int

    public init(host: String, port: Int, tls: (certificate: String, key: String)?, trustedProxy: String? = nil,
                maxUploadMB: Int = APIServer.defaultMaxUploadMB) {
        self.host = host
        self.port = port
        self.tls = tls
        self.trustedProxy = trustedProxy
        self.maxUploadMB = maxUploadMB
    }

    /// True when `host` is a loopback address, where plain HTTP never leaves the machine.
    public var isLoopback: Bool { Self.isLoopback(host) }

    /// True for a loopback address (or `localhost`).
    public static func isLoopback(_ host: String) -> Bool { ["127.0.0.1", "::1", "localhost"].contains(host) || host.hasPrefix("127.") }
}

/// The application `oathctl serve` runs: the API router over HTTP/1.1 (or TLS), with an idle
/// timeout so a slow client cannot hold a connection, and a graceful stop on SIGTERM or SIGINT.
public func makeServerApplication(service: TokenService, settings: ServerSettings, logger: Logger,
                                  onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
    let router = APIServer(service: service, tls: settings.tls != nil, trustedProxy: settings.trustedProxy,
                           maxUploadMB: settings.maxUploadMB).router()
    let http = HTTP1Channel.Configuration(idleTimeout: .seconds(30))
    let server: HTTPServerBuilder
    if let tls = settings.tls {
        let chain = try NIOSSLCertificate.fromPEMFile(tls.certificate).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
        server = try .tls(.http1(configuration: http), tlsConfiguration: .makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(key)))
    } else {
        server = .http1(configuration: http)
    }
    return Application(router: router, server: server,
                       configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "oathctl"),
                       onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? settings.port) },
                       logger: logger)
}
