import Foundation
import Testing
import TokenDomain
@testable import TokenService

/// The lanes heavy work runs on: their own threads, a bounded number at once, a bounded queue, a deadline.
@Suite struct WorkLaneTests {
    /// A gate a task waits at until the test opens it (no sleeps: the test says when).
    final class Gate: @unchecked Sendable {
        // @unchecked: every property is touched under `lock`.
        private let lock = NSLock()
        private var open = false
        private var waiting: [CheckedContinuation<Void, Never>] = []
        private(set) var arrived = 0

        func wait() async {
            await withCheckedContinuation { continuation in
                let go = lock.withLock { () -> Bool in
                    arrived += 1
                    if open { return true }
                    waiting.append(continuation)
                    return false
                }
                if go { continuation.resume() }
            }
        }

        func openGate() {
            let all = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
                open = true
                defer { waiting = [] }
                return waiting
            }
            for continuation in all { continuation.resume() }
        }

        var arrivals: Int { lock.withLock { arrived } }
    }

    private func lane(concurrency: Int = 1, queueLimit: Int = 4, maxWait: Duration = .seconds(30)) -> WorkLane {
        WorkLane(name: "test", threads: 1, concurrency: concurrency, queueLimit: queueLimit, maxWait: maxWait, niceness: 0)
    }

    /// Waits (bounded) until `condition` holds; the lanes' own threads make the progress.
    private func eventually(_ condition: () -> Bool) async throws {
        for _ in 0..<2_000 where !condition() { try await Task.sleep(for: .milliseconds(5)) }
        #expect(condition())
    }

    @Test func workRunsOnTheLanesOwnThreadNotTheCooperativePool() async throws {
        let lane = lane()
        #expect(!lane.isCurrent && WorkLane.current == nil)
        #expect(try await lane.run { lane.isCurrent && WorkLane.current === lane })
        // Synchronous work after a suspension inside the lane still runs there.
        let after = try await lane.run { () async throws -> Bool in
            try await Task.sleep(for: .milliseconds(1))
            return lane.isCurrent
        }
        #expect(after)
        // And back on the caller's executor afterwards.
        #expect(!lane.isCurrent)
    }

    @Test func aFullQueueIsRefusedAtOnceWithItsRetryTime() async throws {
        let lane = lane(queueLimit: 1, maxWait: .seconds(7))
        let gate = Gate()
        let holder = Task { try await lane.run { await gate.wait() } }
        try await eventually { gate.arrivals == 1 }
        let queued = Task { try await lane.run { 1 } }
        try await eventually { lane.waiting == 1 }
        // The queue holds one: the next is refused without waiting.
        await #expect(throws: StoreError.busy(work: "test", retryAfter: 7)) { try await lane.run { 2 } }
        gate.openGate()
        try await holder.value
        #expect(try await queued.value == 1)
    }

    @Test func aWaitPastTheDeadlineIsRefusedAndTheLaneGoesOn() async throws {
        let lane = lane(maxWait: .milliseconds(50))
        let gate = Gate()
        let holder = Task { try await lane.run { await gate.wait() } }
        try await eventually { gate.arrivals == 1 }
        await #expect(throws: StoreError.busy(work: "test", retryAfter: 1)) { try await lane.run { 1 } }
        gate.openGate()
        try await holder.value
        // The refused waiter left no place taken.
        #expect(try await lane.run { 3 } == 3)
    }

    @Test func atMostConcurrencyRunAtOnceAndAFinishedOneHandsOnItsPlace() async throws {
        let lane = lane(concurrency: 2, queueLimit: 8)
        let gate = Gate()
        let running = Counter()
        let tasks = (0..<5).map { _ in
            Task {
                try await lane.run {
                    running.add(1)
                    await gate.wait()
                    running.add(-1)
                }
            }
        }
        try await eventually { gate.arrivals == 2 }
        // Give the other three every chance to start wrongly.
        try await Task.sleep(for: .milliseconds(50))
        #expect(gate.arrivals == 2)
        #expect(running.peak == 2)
        gate.openGate()
        for task in tasks { try await task.value }
        #expect(gate.arrivals == 5)
        #expect(running.peak == 2)
    }

    @Test func anErrorInsideIsTheCallersAndFreesThePlace() async throws {
        struct Failure: Error {}
        let lane = lane()
        await #expect(throws: Failure.self) { try await lane.run { throw Failure() } }
        #expect(try await lane.run { 4 } == 4)
    }

    /// A counter of concurrent runs that remembers its peak.
    final class Counter: @unchecked Sendable {
        // @unchecked: touched under `lock` only.
        private let lock = NSLock()
        private var value = 0
        private var highest = 0
        func add(_ delta: Int) { lock.withLock { value += delta; highest = max(highest, value) } }
        var peak: Int { lock.withLock { highest } }
    }
}
