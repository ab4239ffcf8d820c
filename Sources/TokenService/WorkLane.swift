import Foundation
import TokenDomain

/// A lane of heavy work (password hashing, file validation, import, find, export) that runs on
/// threads of its own, never on Swift's cooperative pool, so that sign-in checks always keep it.
///
/// Why: the cooperative pool has one thread per core (two on the machines this runs on). A login's
/// PBKDF2 or an import's validation held both, and every sign-in check waited behind them
/// (measured: p99 3.35 s during 20 logins, 27.8 s during an import). Work sent here runs with the
/// lane as its task executor, so every synchronous call inside it (GRDB, hashing, parsing) blocks a
/// lane thread. The threads run at a lower scheduling priority (`niceness`): when both kinds of
/// work want the cores, the kernel gives most of them to the sign-in checks, and the heavy work
/// still finishes, more slowly.
///
/// Admission: at most `concurrency` operations run at once; up to `queueLimit` more wait, each at
/// most `maxWait`. One that cannot start in time is refused with `StoreError.busy`, which the server
/// answers as 503 with `Retry-After`: a queue with a deadline instead of an unbounded pile-up.
public final class WorkLane: TaskExecutor, @unchecked Sendable {
    // @unchecked: `jobs`, `running`, `waiters`, `deadlines` and `threadIDs` are only touched under `condition`'s lock.
    public let name: String
    public let concurrency: Int
    public let queueLimit: Int
    public let maxWait: Duration
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var running = 0
    private var waiters: [(id: UInt64, continuation: CheckedContinuation<Void, any Error>)] = []
    private var nextWaiter: UInt64 = 0
    /// Each waiter's deadline timer, cancelled once it is admitted (a command's lanes wait up to a day).
    private var deadlines: [UInt64: Task<Void, Never>] = [:]
    private var threadIDs: [pthread_t] = []

    /// - Parameters:
    ///   - threads: threads that run the lane's jobs (suspended operations take none).
    ///   - concurrency: operations admitted at once.
    ///   - queueLimit: operations that may wait for admission; one more is refused at once.
    ///   - maxWait: how long one may wait for admission before it is refused.
    ///   - niceness: the threads' Linux nice value (0 is the default; 19 the lowest priority).
    public init(name: String, threads: Int, concurrency: Int, queueLimit: Int, maxWait: Duration, niceness: Int32) {
        self.name = name
        self.concurrency = max(1, concurrency)
        self.queueLimit = max(0, queueLimit)
        self.maxWait = maxWait
        for index in 0..<max(1, threads) {
            let thread = Thread { [self] in
                Self.lowerPriority(to: niceness)
                condition.withLock { threadIDs.append(pthread_self()) }
                runJobs()
            }
            thread.name = "oathctl.\(name).\(index)"
            thread.start()
        }
    }

    /// Runs `body` on this lane once admitted: every job of its task (and of tasks it starts
    /// without an executor of their own) runs on the lane's threads.
    ///
    /// - Throws: `StoreError.busy` when the lane's queue is full or the wait passed `maxWait`;
    ///   otherwise what `body` throws.
    public func run<T>(_ body: () async throws -> T) async throws -> T {
        try await admit()
        defer { release() }
        return try await WorkLane.$current.withValue(self) {
            try await withTaskExecutorPreference(self) { try await body() }
        }
    }

    /// The lane the current task runs on, if any: a backend may then block its thread (a read
    /// done there rather than on a queue of normal priority), as the lane is for exactly that.
    @TaskLocal public static var current: WorkLane?

    /// Operations waiting for admission now.
    public var waiting: Int { condition.withLock { waiters.count } }

    /// Whether the calling code runs on one of this lane's threads.
    public var isCurrent: Bool {
        let current = pthread_self()
        return condition.withLock { threadIDs.contains { pthread_equal($0, current) != 0 } }
    }

    // MARK: TaskExecutor

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func runJobs() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }

    /// Linux keeps a nice value per thread, and `setpriority(PRIO_PROCESS, 0, …)` sets the calling
    /// thread's alone (setpriority(2), "Bugs"), so this lowers only the lane's own thread.
    private static func lowerPriority(to niceness: Int32) {
        #if os(Linux)
        if niceness > 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness) }
        #endif
    }

    // MARK: Admission

    private func admit() async throws {
        let waiter: UInt64? = try condition.withLock {
            if running < concurrency {
                running += 1
                return nil
            }
            guard waiters.count < queueLimit else { throw busy }
            nextWaiter += 1
            return nextWaiter
        }
        guard let waiter else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            condition.withLock { waiters.append((waiter, continuation)) }
            // The deadline: whoever removes the waiter first (a release or this timer) resumes it.
            let timer = Task { [maxWait] in
                try? await Task.sleep(for: maxWait)
                let expired = self.condition.withLock { () -> CheckedContinuation<Void, any Error>? in
                    self.deadlines[waiter] = nil
                    guard let index = self.waiters.firstIndex(where: { $0.id == waiter }) else { return nil }
                    return self.waiters.remove(at: index).continuation
                }
                expired?.resume(throwing: self.busy)
            }
            let admitted = condition.withLock { () -> Bool in
                guard waiters.contains(where: { $0.id == waiter }) else { return true }
                deadlines[waiter] = timer
                return false
            }
            if admitted { timer.cancel() }
        }
    }

    /// Hands the finished operation's place to the longest waiter, or frees it.
    private func release() {
        let next = condition.withLock { () -> (CheckedContinuation<Void, any Error>, Task<Void, Never>?)? in
            if waiters.isEmpty {
                running -= 1
                return nil
            }
            let waiter = waiters.removeFirst()
            return (waiter.continuation, deadlines.removeValue(forKey: waiter.id))
        }
        // A cancelled timer wakes, finds its waiter gone, and ends.
        next?.1?.cancel()
        next?.0.resume()
    }

    private var busy: StoreError {
        .busy(work: name, retryAfter: max(1, Int(maxWait.components.seconds)))
    }
}

/// The lanes a service sends heavy work to.
public struct WorkLanes: Sendable {
    /// Password hashing (logins, new passwords): short, CPU-bound, many at 9:00 on Monday.
    public let login: WorkLane
    /// Files, exports, reports, audit pages: long, CPU- and I/O-bound, few at a time.
    public let bulk: WorkLane
    /// `find` over every token: the helpdesk's, frequent, and on PostgreSQL mostly the database
    /// server's work (which no nice value here reaches), so one at a time.
    public let find: WorkLane
    /// Extra threads `find` may use to check a block beside the lane's own (0 on a server, where
    /// the other cores belong to sign-in checks; one per spare core on the command line).
    public let findHelpers: Int

    public init(login: WorkLane, bulk: WorkLane, find: WorkLane, findHelpers: Int) {
        self.login = login
        self.bulk = bulk
        self.find = find
        self.findHelpers = findHelpers
    }

    /// For a server: lanes at a low priority, so sign-in checks keep the cores. One password hash
    /// at a time, and a login waits at most 5 s to start (a burst of 20 takes about that); at most
    /// two heavy operations run at once, each on a thread of its own, and others wait up to two minutes;
    /// one find at a time, others waiting up to 30 s (beside 4 concurrent finds, sign-in checks on
    /// PostgreSQL kept only 38-42% of their idle rate).
    public static func server() -> WorkLanes {
        WorkLanes(login: WorkLane(name: "login", threads: 1, concurrency: 1, queueLimit: 64, maxWait: .seconds(5), niceness: 10),
                  bulk: WorkLane(name: "bulk", threads: 2, concurrency: 2, queueLimit: 16, maxWait: .seconds(120), niceness: 10),
                  find: WorkLane(name: "find", threads: 1, concurrency: 1, queueLimit: 16, maxWait: .seconds(30), niceness: 10),
                  findHelpers: 0)
    }

    /// For a command (and tests): one operation at a time, the machine's to use, nothing refused
    /// for waiting. One set per process, made when first used.
    public static let command: WorkLanes = {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        return WorkLanes(login: WorkLane(name: "login", threads: 1, concurrency: 1, queueLimit: 1_000, maxWait: .seconds(86_400), niceness: 0),
                         bulk: WorkLane(name: "bulk", threads: 1, concurrency: 1, queueLimit: 1_000, maxWait: .seconds(86_400), niceness: 0),
                         find: WorkLane(name: "find", threads: 1, concurrency: 1, queueLimit: 1_000, maxWait: .seconds(86_400), niceness: 0),
                         findHelpers: max(1, min(cores - 1, 7)))
    }()
}
