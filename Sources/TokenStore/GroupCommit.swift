import Foundation
import GRDB

/// Group commit: concurrent write transactions share one SQLite transaction and so one commit
/// (one sync of the write-ahead log) instead of one each.
///
/// `submit` queues a piece of work and suspends its task (no thread of the concurrency pool waits
/// on the file). One writer, on its own dispatch queue, takes everything queued, runs each piece
/// in its own savepoint inside one IMMEDIATE transaction, commits once, and only then answers each
/// caller: nothing is answered before it is durable. A piece that throws is rolled back to its
/// savepoint and gets its error; the others still commit. When the transaction itself fails, each
/// piece runs again alone, and one that fails alone gets its error: none of a failed group happened.
///
/// The pieces run one after another inside the transaction, each seeing what the earlier ones
/// wrote, exactly as if each had its own transaction: the replay floor and the lockout counters
/// are as exact as without grouping, and each piece appends its own audit entries.
final class GroupCommit: @unchecked Sendable {
    // @unchecked: `pending`, `draining` and `ran` are only touched under `lock`.
    private let db: any DatabaseWriter
    private let queue = DispatchQueue(label: "oathctl.sqlite.group-commit")
    private let lock = NSLock()
    private var pending: [Job] = []
    private var draining = false
    private let translate: (Error) -> Error

    /// Most pieces in one group: bounds how long the first waits for the last.
    static let maxGroup = 64

    private struct Job {
        let work: (Database) throws -> Void
        let finish: (Error?) -> Void
    }

    init(db: any DatabaseWriter, translate: @escaping (Error) -> Error) {
        self.db = db
        self.translate = translate
    }

    /// Runs `body` in the next group's transaction; returns its result once the group has committed.
    func submit<T>(_ body: (Database) throws -> T) async throws -> T {
        try await withoutActuallyEscaping(body) { body in
            let box = Box(body)
            return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, Error>) in
                let result = ResultBox<T>()
                enqueue(Job(work: { db in result.value = try box.body!(db) },
                            finish: { error in
                                // The caller's closure must be let go before the caller goes on.
                                box.body = nil
                                if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: result.value!) }
                            }))
            }
        }
    }

    /// The same from a thread that may block (a staged import's, on the service's bulk lane): waits
    /// for the group's commit without a task.
    func submitAndWait<T>(_ body: @escaping (Database) throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let result = ResultBox<T>()
        var failure: Error?
        enqueue(Job(work: { db in result.value = try body(db) }, finish: { error in
            failure = error
            done.signal()
        }))
        done.wait()
        if let failure { throw failure }
        return result.value!
    }

    /// Transactions run so far (committed or not): a staged import compares it before and after
    /// its piece to learn whether anyone else is using the writer.
    var jobsRun: UInt64 { lock.withLock { ran } }
    private var ran: UInt64 = 0

    private func enqueue(_ job: Job) {
        let start = lock.withLock {
            pending.append(job)
            defer { draining = true }
            return !draining
        }
        if start { queue.async { self.drain() } }
    }

    private func drain() {
        while true {
            let group: [Job] = lock.withLock {
                let group = Array(pending.prefix(Self.maxGroup))
                pending.removeFirst(group.count)
                if group.isEmpty { draining = false }
                return group
            }
            if group.isEmpty { return }
            run(group)
            lock.withLock { ran += UInt64(group.count) }
        }
    }

    private func run(_ group: [Job]) {
        var errors = [Error?](repeating: nil, count: group.count)
        do {
            try db.writeWithoutTransaction { db in
                try db.inTransaction(.immediate) {
                    // Cached, unlike GRDB's `inSavepoint`, which prepared both statements for every piece.
                    let savepoint = try db.cachedStatement(sql: "SAVEPOINT piece")
                    let release = try db.cachedStatement(sql: "RELEASE SAVEPOINT piece")
                    let rollback = try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT piece")
                    for (index, job) in group.enumerated() {
                        try savepoint.execute()
                        do {
                            try job.work(db)
                        } catch {
                            errors[index] = error
                            try rollback.execute()
                        }
                        try release.execute()
                    }
                    return .commit
                }
            }
        } catch {
            // One piece may have failed the whole transaction (SQLite rolls back on its own when a
            // staged import's piece fills the disk): the others run again, each alone, so a sign-in
            // check is not refused for another piece's failure. A piece alone gets its own error.
            if group.count > 1 {
                for job in group { run([job]) }
                return
            }
            let failure = translate(error)
            for job in group { job.finish(failure) }
            return
        }
        for (job, error) in zip(group, errors) { job.finish(error.map(translate)) }
    }

    /// The caller's work, carried to the writer's queue while the caller waits for it.
    private final class Box<T>: @unchecked Sendable {
        var body: ((Database) throws -> T)?
        init(_ body: @escaping (Database) throws -> T) { self.body = body }
    }

    private final class ResultBox<T>: @unchecked Sendable {
        var value: T?
    }
}
