import Foundation
import PostgresNIO
import TokenDomain

extension PostgresStore {
    /// How long a request waits for a pooled connection before the store is called unreachable.
    /// While the server is down the pool keeps trying to connect and a lease would wait until it
    /// is back (measured: a request held 30 s and more); a request must get its 503 instead.
    static let leaseTimeout: Duration = .seconds(3)

    /// Runs `body` on a pooled connection leased within `leaseTimeout`, else throws `unreachable`.
    /// Only the wait for a connection is bounded: once `body` runs it is never cut short, so a
    /// commit is never abandoned halfway by this deadline.
    func withLeasedConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await withoutActuallyEscaping(body) { body in
            let work = Work(body)
            // The caller's closure must be let go before this returns (`withoutActuallyEscaping`).
            defer { work.body = nil }
            let lease = Lease()
            return try await withThrowingTaskGroup(of: Work<T>.Outcome?.self) { group in
                group.addTask {
                    Work<T>.Outcome(value: try await self.client.withConnection { connection in
                        guard lease.take() else { throw CancellationError() }
                        return try await work.body!(connection)
                    })
                }
                group.addTask {
                    try? await Task.sleep(for: Self.leaseTimeout)
                    return nil
                }
                while let next = try await group.next() {
                    if let outcome = next {
                        group.cancelAll()
                        return outcome.value
                    }
                    if lease.expire() {
                        group.cancelAll()
                        throw StoreError.unreachable(location: address.description,
                                                     reason: "no connection to the server within \(Self.leaseTimeout); it may be restarting")
                    }
                }
                throw CancellationError()
            }
        }
    }

    /// Whether the connection came before the deadline: the first of `take` and `expire` wins.
    private final class Lease: @unchecked Sendable {
        // @unchecked: `state` is only touched under `lock`.
        private let lock = NSLock()
        /// nil while waiting; true once leased; false once expired.
        private var state: Bool?

        /// The connection came: true unless the deadline passed first.
        func take() -> Bool {
            lock.withLock {
                if state == nil { state = true }
                return state == true
            }
        }

        /// The deadline passed: true unless the connection came first.
        func expire() -> Bool {
            lock.withLock {
                if state == nil { state = false }
                return state == false
            }
        }
    }

    /// The caller's closure and its result, carried into the child task while the caller waits.
    private final class Work<T>: @unchecked Sendable {
        var body: ((PostgresConnection) async throws -> T)?
        init(_ body: @escaping (PostgresConnection) async throws -> T) { self.body = body }

        struct Outcome: @unchecked Sendable {
            let value: T
        }
    }
}
