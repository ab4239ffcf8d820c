import Foundation

/// The current time, overridable with `OATHCTL_NOW` (Unix seconds) so scripts and tests are deterministic.
enum Clock {
    /// The latest time oathctl handles: 9999-12-31T23:59:59Z. The store keeps times as signed
    /// 64-bit seconds and the engine counts steps from them; a time past this is a mistake.
    static let latest: UInt64 = 253_402_300_799

    static func now() throws -> UInt64 {
        if let text = ProcessInfo.processInfo.environment["OATHCTL_NOW"] {
            guard let value = UInt64(text) else { throw CLIError("OATHCTL_NOW must be Unix seconds, a whole number").exit() }
            guard value <= latest else {
                throw CLIError("OATHCTL_NOW is \(text); oathctl handles times from 0 to \(latest) (the end of the year 9999)").exit()
            }
            return value
        }
        return UInt64(Date().timeIntervalSince1970)
    }
}
