import Foundation

/// Wall-clock timing on the monotonic clock, best of several runs (the machines here are noisy).
enum Stopwatch {
    static func seconds(_ body: () -> Void) -> Double {
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        body()
        clock_gettime(CLOCK_MONOTONIC, &end)
        return Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
    }

    /// Best time of `runs` runs of `body`.
    static func best(runs: Int = 5, _ body: () -> Void) -> Double {
        (0..<runs).map { _ in seconds(body) }.min()!
    }
}

/// A small seeded generator (SplitMix64) so every run measures the same keys and times.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
