import Foundation
import Logging
import PostgresNIO
import TokenDomain

/// One connection kept open for one kind of batched statement (`StatementBatcher`), outside the pool.
///
/// Why not the pool: a lease bounded by a deadline (`withLeasedConnection`) cost 0.3 ms of every
/// sign-in check's 1.6 ms at one connection (a task group, two child tasks and a timer per lease).
/// A batch's leader runs alone, so it needs no lease: it uses this connection, opened on first use
/// and opened again after the server closed it. While the server is down, opening fails within the
/// connect timeout and the request gets `unreachable` (a 503) instead of waiting.
///
/// Its sessions use the generic plan of every prepared statement (`plan_cache_mode`): the server
/// otherwise plans a batch's arrays anew at each call (measured: 0.48 ms a save instead of 0.10).
/// Only the batched sign-in statements, which are the same plan whatever their values, run here.
final class DedicatedConnection: @unchecked Sendable {
    // @unchecked: `connection` and `closed` are only touched under `lock`.
    private let lock = NSLock()
    private var connection: PostgresConnection?
    /// Set by `close`: the store is closed and no connection is opened again.
    private var closed = false
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let id: Int
    /// The store's address, for the error once closed.
    private let location: String
    /// The connection's event loop, where `run` prefers its task to go on.
    private let executor = EventLoopExecutor(MultiThreadedEventLoopGroup.singleton.next())

    init(configuration: PostgresConnection.Configuration, id: Int, location: String, logger: Logger) {
        var configuration = configuration
        configuration.options.additionalStartupParameters = [("plan_cache_mode", "force_generic_plan")]
        self.configuration = configuration
        self.id = id
        self.location = location
        self.logger = logger
    }

    /// Runs `body` on the open connection, opening it first when there is none or the server closed it.
    func run<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await open()
        return try await withTaskExecutorPreference(executor) { try await body(connection) }
    }

    private func open() async throws -> PostgresConnection {
        let (current, closed) = lock.withLock { (connection, self.closed) }
        if closed { throw StoreError.unreachable(location: location, reason: "the store was closed") }
        if let current, !current.isClosed { return current }
        let opened = try await PostgresConnection.connect(on: executor.loop, configuration: configuration,
                                                          id: id, logger: logger)
        // Another caller may have opened one meanwhile: keep that, close the spare.
        let (open, spare) = lock.withLock { () -> (PostgresConnection, PostgresConnection?) in
            if let current = connection, !current.isClosed { return (current, opened) }
            defer { connection = opened }
            return (opened, connection)
        }
        try? await spare?.close()
        return open
    }

    /// A store let go without `close` still closes its connection, which is kept until that is done.
    deinit {
        guard let connection, !connection.isClosed else { return }
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// Closes the connection for good: a later `run` throws, as the pool does once closed.
    func close() async {
        let closing = lock.withLock {
            defer { connection = nil; closed = true }
            return connection
        }
        try? await closing?.close()
    }
}
