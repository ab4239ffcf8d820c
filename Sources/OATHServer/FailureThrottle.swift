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
    private var failures: [String: [Int64]] = [:]
    /// Addresses remembered at most; the least recent go first (a flood of addresses cannot grow it).
    private let capacity = 10_000

    init(limit: Int = 20, window: Int64 = 300, now: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }) {
        self.limit = limit
        self.window = window
        self.now = now
    }

    /// Seconds until `client` may try again, or nil when it may now.
    func retryAfter(_ client: String) -> Int64? {
        let current = now()
        let recent = (failures[client] ?? []).filter { current - $0 < window }
        failures[client] = recent.isEmpty ? nil : recent
        guard recent.count >= limit, let oldest = recent.first else { return nil }
        return max(1, oldest + window - current)
    }

    func recordFailure(_ client: String) {
        if failures[client] == nil, failures.count >= capacity,
           let stalest = failures.min(by: { ($0.value.last ?? 0) < ($1.value.last ?? 0) })?.key {
            failures[stalest] = nil
        }
        failures[client, default: []].append(now())
    }
}
