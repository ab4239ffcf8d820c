import Foundation
import Testing
@testable import OATHServer
import TokenDomain

/// The per-address and per-user failure counts the server keeps in memory.
@Suite struct FailureThrottleTests {
    /// A clock the test moves.
    final class Clock: @unchecked Sendable {
        var now: Int64 = 1_000
    }

    @Test func pastTheLimitTheClientWaitsUntilItsOldestFailureAgesOut() async {
        let clock = Clock()
        let throttle = FailureThrottle(limit: 3, window: 60, now: { clock.now })
        for _ in 0..<3 {
            #expect(await throttle.retryAfter("a") == nil)
            await throttle.recordFailure("a")
            clock.now += 10
        }
        #expect(await throttle.retryAfter("a") == 30)  // the first failure, at 1,000, ages out at 1,060
        #expect(await throttle.retryAfter("b") == nil)
        clock.now = 1_060
        #expect(await throttle.retryAfter("a") == nil)
    }

    /// A flood of clients cannot grow it: past its capacity the longest remembered is forgotten
    /// first, and a client forgotten and remembered again counts from its new place.
    @Test func theLongestRememberedClientsGoFirstAndTheMemoryStaysBounded() async {
        let clock = Clock()
        let throttle = FailureThrottle(limit: 2, window: 60, capacity: 100, now: { clock.now })
        await throttle.recordFailure("early")
        await throttle.recordFailure("early")
        for i in 0..<99 { await throttle.recordFailure("c\(i)") }
        #expect(await throttle.retryAfter("early") != nil)  // 100 remembered: nothing forgotten yet
        await throttle.recordFailure("c99")
        #expect(await throttle.retryAfter("early") == nil)  // the 101st made room by forgetting "early"
        await throttle.recordFailure("early")
        await throttle.recordFailure("early")
        #expect(await throttle.retryAfter("early") != nil)  // remembered again, at the back
        for i in 100..<1_000 { await throttle.recordFailure("c\(i)") }
        let sizes = await throttle.sizes
        #expect(sizes.clients == 100 && sizes.order <= 300)
        // Clients that age out and are forgotten through retryAfter leave no trace behind either.
        for round in 0..<5 {
            for i in 0..<100 {
                await throttle.recordFailure("r\(round)-\(i)")
                _ = await throttle.retryAfter("r\(round)-\(i)")
            }
            clock.now += 61
            for i in 0..<100 { _ = await throttle.retryAfter("r\(round)-\(i)") }
        }
        #expect(await throttle.sizes.order <= 300)
    }
}
