import Foundation

/// An error report kept in memory, byte for byte as `ErrorReport` writes it to a file, so that an
/// import can store it with its batch (`GET /api/v1/imports/{batch}/report`) in the same
/// transaction. Findings never carry a secret, so neither does this.
public final class KeptReport: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: [UInt8] = []
    private var count = 0

    public init() {
        CSVWriter.append(ErrorReport.header.map { ArraySlice($0.utf8) }, to: &bytes)
    }

    public func add(_ finding: Finding) {
        lock.withLock {
            CSVWriter.append(ErrorReport.cells(of: finding).map { ArraySlice($0.utf8) }, to: &bytes)
            count += 1
        }
    }

    /// Findings added so far.
    public var findings: Int { lock.withLock { count } }

    /// The report as `oathctl validate` writes it: the header, then one row per finding.
    public var csv: [UInt8] { lock.withLock { bytes } }
}
