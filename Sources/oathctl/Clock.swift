import Foundation

/// The current time, overridable with `OATHCTL_NOW` (Unix seconds) so scripts and tests are deterministic.
enum Clock {
    static func now() throws -> UInt64 {
        if let text = ProcessInfo.processInfo.environment["OATHCTL_NOW"] {
            guard let value = UInt64(text) else { throw CLIError("OATHCTL_NOW must be Unix seconds, a whole number").exit() }
            return value
        }
        return UInt64(Date().timeIntervalSince1970)
    }
}
