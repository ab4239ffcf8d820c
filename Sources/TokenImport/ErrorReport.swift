import Foundation

/// Writes the error-report CSV: `line,upn,serial number,field,code,message`, one row per finding.
///
/// Cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or CR)
/// are prefixed with `'`. No finding carries a secret, so neither does the report.
public final class ErrorReport {
    public static let header = ["line", "upn", "serial number", "field", "code", "message"]
    private let writer: CSVWriter

    /// Creates (or truncates) the report at `path`.
    public init(path: String) throws {
        writer = try CSVWriter(path: path, permissions: 0o644)
        try writer.write(Self.header)
    }

    public func add(_ finding: Finding) throws {
        try writer.write(Self.cells(of: finding))
    }

    /// A finding's row of the report, each cell neutralized.
    public static func cells(of finding: Finding) -> [String] {
        [String(finding.line), finding.upn, finding.serial, finding.field, finding.code.rawValue, finding.message].map(neutralized)
    }

    public func close() throws { try writer.close() }

    /// A cell made safe to open in a spreadsheet.
    public static func neutralized(_ cell: String) -> String {
        guard let first = cell.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return cell }
        return "'" + cell
    }
}
