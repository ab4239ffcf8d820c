import Foundation

/// Failed logins and bad API keys per client address: past `limit` within `window` seconds, the
/// address is answered 429 (with `Retry-After`) until the oldest failure ages out.
///
/// This is the per-address limit beside each operator's own lockout (which lives in the store):
/// it slows one address guessing across many names or keys. It lives in this process's memory on
/// purpose: it is a cache that is safe to lose (a restart forgives), and each node keeps its own.
actor FailureThrottle {
    private let limit: Int
    private let window: Int64
    private let now: @Sendable () -> Int64
    /// Each remembered client's failure times, and when it was remembered (its place in `order`).
    private var failures: [String: (times: [Int64], since: Int)] = [:]
    /// Clients in the order they were remembered, from `head` on; a pair whose `since` no longer
    /// matches is a client forgotten (and maybe remembered again) since, skipped when met.
    private var order: [(client: String, since: Int)] = []
    private var head = 0
    private var remembered = 0
    /// Clients remembered at most; the longest remembered go first, in constant time (a flood of
    /// addresses or users cannot grow it, nor make each failure scan the rest: that scan was the
    /// bottleneck of a run of wrong codes for 40,000 users).
    let capacity: Int

    init(limit: Int = 20, window: Int64 = 300, capacity: Int = 10_000,
         now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.limit = limit
        self.window = window
        self.capacity = capacity
        self.now = now
    }

    /// Seconds until `client` may try again, or nil when it may now.
    func retryAfter(_ client: String) -> Int64? {
        guard let entry = failures[client] else { return nil }
        let current = now()
        let recent = entry.times.filter { current - $0 < window }
        failures[client] = recent.isEmpty ? nil : (recent, entry.since)
        guard recent.count >= limit, let oldest = recent.first else { return nil }
        return max(1, oldest + window - current)
    }

    func recordFailure(_ client: String) {
        if failures[client] == nil {
            if failures.count >= capacity { forgetLongestRemembered() }
            remembered += 1
            failures[client] = ([], remembered)
            order.append((client, remembered))
            compact()
        }
        failures[client]!.times.append(now())
    }

    /// The number of clients remembered, and of places kept in `order` (for tests).
    var sizes: (clients: Int, order: Int) { (failures.count, order.count - head) }

    private func forgetLongestRemembered() {
        while head < order.count {
            let (client, since) = order[head]
            head += 1
            if failures[client]?.since == since {
                failures[client] = nil
                break
            }
        }
    }

    /// Drops the pairs already passed and those of clients forgotten since (their failures aged
    /// out), once they could outnumber the live ones: `order` stays within three times the capacity.
    private func compact() {
        guard head >= capacity || order.count - head > 2 * capacity else { return }
        order = order[head...].filter { failures[$0.client]?.since == $0.since }
        head = 0
    }
}
