import Foundation
import Testing
import TokenDomain
@testable import TokenStorePostgres

/// The batcher under the PostgreSQL sign-in path: requests that wait go together, each gets its
/// own answer, and a failed batch fails no request that would succeed alone.
@Suite struct StatementBatcherTests {
    /// A statement that takes a while, as a round trip to the server does, and records its batches.
    final class Server: @unchecked Sendable {
        // @unchecked: `recorded` is only touched under `lock`.
        private let lock = NSLock()
        private var recorded: [[Int]] = []
        let failWhen: @Sendable ([Int]) -> Error?

        var batches: [[Int]] { lock.withLock { recorded } }

        init(failWhen: @escaping @Sendable ([Int]) -> Error? = { _ in nil }) { self.failWhen = failWhen }

        func run(_ requests: [Int]) async throws -> [String] {
            lock.withLock { recorded.append(requests) }
            try await Task.sleep(for: .milliseconds(20))
            if let error = failWhen(requests) { throw error }
            return requests.map { "answer \($0)" }
        }
    }

    /// Set once, read from other tasks.
    final class Flag: @unchecked Sendable {
        // @unchecked: `raised` is only touched under `lock`.
        private let lock = NSLock()
        private var raised = false

        func raise() { lock.withLock { raised = true } }
        var isRaised: Bool { lock.withLock { raised } }
    }

    @Test func requestsThatWaitShareAStatementAndEachGetsItsAnswer() async throws {
        let batcher = StatementBatcher<Int, String>(maxBatch: 16)
        let server = Server()
        let first = Flag()
        let answers = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for request in 0..<40 {
                group.addTask {
                    (request, try await batcher.submit(request) { requests in
                        // The first statement (of those that came before it) stays at the server until all the others wait.
                        if !first.isRaised {
                            first.raise()
                            while batcher.waitingCount + requests.count < 40 { try await Task.sleep(for: .milliseconds(1)) }
                        }
                        return try await server.run(requests)
                    })
                }
            }
            return try await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(answers.count == 40 && answers.allSatisfy { $0.value == "answer \($0.key)" })
        let batches = server.batches
        #expect(batches.flatMap { $0 }.sorted() == Array(0..<40))
        // After the first, the requests that waited went 16 a statement (the last takes the rest).
        #expect(batches.allSatisfy { $0.count <= 16 } && batches.dropFirst().dropLast().allSatisfy { $0.count == 16 })
        #expect(batches.count == 1 + (40 - batches[0].count + 15) / 16)
    }

    @Test func aRequestAloneGoesAtOnce() async throws {
        let batcher = StatementBatcher<Int, String>()
        let server = Server()
        #expect(try await batcher.submit(7) { try await server.run($0) } == "answer 7")
        #expect(try await batcher.submit(8) { try await server.run($0) } == "answer 8")
        #expect(server.batches == [[7], [8]])
    }

    /// One bad request fails the batch it is in; every other request then runs alone and succeeds.
    @Test func aFailedBatchIsRunAgainRequestByRequest() async throws {
        let batcher = StatementBatcher<Int, String>()
        let server = Server { $0.contains(13) ? StoreError.unstorableText : nil }
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            // A batch at the server first, held until the ten below all wait, so that they go in one batch.
            let leading = Flag()
            group.addTask {
                let answer = try? await batcher.submit(0) { requests in
                    leading.raise()
                    while batcher.waitingCount < 10 { try await Task.sleep(for: .milliseconds(1)) }
                    return try await server.run(requests)
                }
                return (0, answer == "answer 0")
            }
            while !leading.isRaised { try? await Task.sleep(for: .milliseconds(1)) }
            for request in 10..<20 {
                group.addTask { (request, (try? await batcher.submit(request) { try await server.run($0) }) == "answer \(request)") }
            }
            return await group.reduce(into: [:]) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes == Dictionary(uniqueKeysWithValues: ([0] + Array(10..<20)).map { ($0, $0 != 13) }))
        // [0], the ten together (failed), then each of the ten alone.
        #expect(server.batches.map(\.count) == [1, 10] + Array(repeating: 1, count: 10))
    }

    /// When the server is gone, every request of the batch gets that error at once, none tries again.
    @Test func anUnreachableServerFailsTheWholeBatchOnce() async throws {
        let batcher = StatementBatcher<Int, String>()
        let server = Server { _ in StoreError.unreachable(location: "db", reason: "down") }
        let failures = await withTaskGroup(of: Bool.self) { group in
            for request in 0..<10 {
                group.addTask {
                    do {
                        _ = try await batcher.submit(request) { try await server.run($0) }
                        return false
                    } catch StoreError.unreachable {
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(failures == 10)
        #expect(server.batches.flatMap { $0 }.count == 10)
    }
}
