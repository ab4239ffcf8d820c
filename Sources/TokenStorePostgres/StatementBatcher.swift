import Foundation
import TokenDomain

/// Sends concurrent requests of one kind to the server as one statement (group commit for reads
/// and compare-and-save writes).
///
/// Why: on this machine a sign-in check spent most of its time in the per-statement cost of the
/// driver and the server (a lease, a round trip, an executor set up, a commit), not in its rows.
/// While one batch is at the server, the requests that arrive wait; when it comes back, one of
/// them leads the next batch with all that waited (up to `maxBatch`). Alone, a request goes at
/// once, so a quiet server answers as fast as before; under load one statement serves many.
///
/// No task is started: the request that finds no batch running runs one itself (it leads), and
/// hands the lead to the first waiter when it is done. A statement that fails for a reason other
/// than the server being gone is run again by each request alone, so that one request's bad value
/// cannot fail the others.
final class StatementBatcher<Request: Sendable, Answer: Sendable>: @unchecked Sendable {
    // @unchecked: `waiting` and `running` are only touched under `lock`.
    private let lock = NSLock()
    private var waiting: [Waiter] = []
    /// Whether a statement of this kind is at the server: one at a time, on its one connection
    /// (`DedicatedConnection`).
    private var running = false
    /// The most requests in one statement.
    let maxBatch: Int

    init(maxBatch: Int = 64) {
        self.maxBatch = maxBatch
    }

    /// How many requests wait for the next batch (for tests).
    var waitingCount: Int { lock.withLock { waiting.count } }

    /// What a waiting request is told.
    private enum Turn: Sendable {
        case answered(Answer)
        /// Run the next batch.
        case lead
        /// The batch failed: run your request alone.
        case alone
    }

    private struct Waiter {
        let request: Request
        let continuation: CheckedContinuation<Turn, Error>
    }

    /// The answer to `request`, from `run` over a batch of requests that includes it. `run` gets
    /// the batch's requests and returns one answer per request, in the same order.
    func submit(_ request: Request, run: ([Request]) async throws -> [Answer]) async throws -> Answer {
        let turn = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Turn, Error>) in
            let leads = lock.withLock {
                guard !running else {
                    waiting.append(Waiter(request: request, continuation: continuation))
                    return false
                }
                running = true
                return true
            }
            if leads { continuation.resume(returning: .lead) }
        }
        switch turn {
        case let .answered(answer): return answer
        case .alone: return try await Self.one(request, run)
        case .lead: return try await lead(request, run)
        }
    }

    /// Runs a batch of `own` and the requests waiting, answers them, and passes the lead on.
    private func lead(_ own: Request, _ run: ([Request]) async throws -> [Answer]) async throws -> Answer {
        let others = lock.withLock {
            let taken = Array(waiting.prefix(maxBatch - 1))
            waiting.removeFirst(taken.count)
            return taken
        }
        let outcome: Result<[Answer], Error>
        do {
            let answers = try await run([own] + others.map(\.request))
            guard answers.count == others.count + 1 else { throw StoreError.database("a batched statement answered \(answers.count) of \(others.count + 1) requests") }
            outcome = .success(answers)
        } catch {
            outcome = .failure(error)
        }
        // The next batch starts before this one's requests are answered.
        let next = lock.withLock { () -> Waiter? in
            guard !waiting.isEmpty else {
                running = false
                return nil
            }
            return waiting.removeFirst()
        }
        next?.continuation.resume(returning: .lead)
        switch outcome {
        case let .success(answers):
            for (waiter, answer) in zip(others, answers.dropFirst()) { waiter.continuation.resume(returning: .answered(answer)) }
            return answers[0]
        case let .failure(error):
            guard !others.isEmpty, Self.worthRunningAlone(error) else {
                for waiter in others { waiter.continuation.resume(throwing: error) }
                throw error
            }
            for waiter in others { waiter.continuation.resume(returning: .alone) }
            return try await Self.one(own, run)
        }
    }

    private static func one(_ request: Request, _ run: ([Request]) async throws -> [Answer]) async throws -> Answer {
        guard let answer = try await run([request]).first else { throw StoreError.database("a statement answered no request") }
        return answer
    }

    /// Whether each request alone might succeed where the batch failed: not when the server is
    /// gone or its disk is full (every request would wait and fail the same way again).
    private static func worthRunningAlone(_ error: Error) -> Bool {
        switch error as? StoreError {
        case .unreachable, .storeFull: return false
        default: return !(error is CancellationError)
        }
    }
}
