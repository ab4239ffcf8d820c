/// One streaming pass over a token file: header, row rules, file rules, with every finding reported.
///
/// The validator owns no output: findings, accepted tokens and rejected records go to the
/// closures the caller gives, so `validate` writes a report and `import` also stores tokens.
public struct FileValidator {
    public var rules: RowRules
    public var maxMethodsPerUser: Int
    public var store: StoreView
    public var delimiter: UInt8

    public init(rules: RowRules = RowRules(), maxMethodsPerUser: Int = 5, store: StoreView = EmptyStoreView(),
                delimiter: UInt8 = UInt8(ascii: ",")) {
        self.rules = rules
        self.maxMethodsPerUser = maxMethodsPerUser
        self.store = store
        self.delimiter = delimiter
    }

    /// Where the pass sends what it finds.
    public struct Handlers {
        /// Every finding, in line order.
        public var finding: (Finding) throws -> Void
        /// Each accepted token, in line order.
        public var accepted: (ValidToken) throws -> Void = { _ in }
        /// Each rejected record with the header (for a rejects file).
        public var rejected: (CSVRecord, CSVRecord) throws -> Void = { _, _ in }
        /// Bytes read so far, after each chunk.
        public var progress: ((Int) -> Void)?

        public init(finding: @escaping (Finding) throws -> Void) { self.finding = finding }
    }

    /// Reads the whole source once. Errors thrown by the handlers or the store stop the pass and propagate.
    public func run(source: some ByteSource, handlers: Handlers) throws -> ValidationSummary {
        var summary = ValidationSummary()
        var fileRules = FileRules(maxMethodsPerUser: maxMethodsPerUser, store: store)
        var header: Header?
        var headerRecord = CSVRecord()
        var reader = CSVReader(source: source, delimiter: delimiter)

        func report(_ finding: Finding) throws {
            summary.record(finding)
            try handlers.finding(finding)
        }
        func unusable(_ finding: Finding) throws {
            summary.fileUnusable = true
            try report(finding)
        }

        do {
            try reader.forEachRecord(progress: handlers.progress) { record in
                if summary.fileUnusable { return }
                guard let columns = header else {
                    if Self.isBlank(record) { return }
                    guard let parsed = Header(record: record) else {
                        return try unusable(Finding(line: record.line, code: .headerMissing,
                            message: "line \(record.line) is not a header; the first row must name the columns: upn,serial number,secret key,time interval,manufacturer,model"))
                    }
                    try checkHeader(parsed, line: record.line, report: report, unusable: unusable)
                    header = parsed
                    headerRecord = record
                    return
                }
                if Self.isBlank(record) { return }
                summary.rowsRead += 1
                var (token, findings) = rules.check(record, header: columns)
                if var valid = token {
                    let crossRow = try fileRules.check(&valid)
                    token = valid
                    if !crossRow.isEmpty { token = nil }
                    findings += crossRow
                } else {
                    let fields = TokenFields(record: record, header: columns)
                    try fileRules.noteRejected(serial: fields.serial, upn: fields.upn, line: record.line)
                }
                for finding in findings { try report(finding) }
                if let token {
                    summary.accepted += 1
                    try handlers.accepted(token)
                } else {
                    summary.rejected += 1
                    try handlers.rejected(record, headerRecord)
                }
            }
        } catch CSVReadError.utf16 {
            try unusable(Finding(line: 0, code: .encodingInvalid, message: CSVReadError.utf16.description))
        }
        if !summary.fileUnusable, header == nil || summary.rowsRead == 0 {
            try unusable(Finding(line: header == nil ? 0 : 1, code: .fileEmpty,
                                 message: header == nil ? "the file is empty; export the token list with its header row"
                                                        : "the file has a header but no token rows"))
        }
        return summary
    }

    private func checkHeader(_ header: Header, line: Int, report: (Finding) throws -> Void, unusable: (Finding) throws -> Void) throws {
        for (position, name) in header.unknown {
            try report(Finding(line: line, code: .columnUnknown,
                               message: "column \(position) '\(name.prefix(40))' is not a known column and is ignored"))
        }
        for (position, column) in header.duplicated {
            try unusable(Finding(line: line, field: column, code: .columnMissing,
                                 message: "column \(position) names \(column.rawValue) a second time; keep one \(column.rawValue) column"))
        }
        let missing = header.missing(entra: rules.entra)
        if !missing.isEmpty {
            let names = missing.map(\.rawValue).joined(separator: ", ")
            try unusable(Finding(line: line, field: missing[0], code: .columnMissing,
                                 message: "the header has no \(names) column; the upload format is upn,serial number,secret key,time interval,manufacturer,model"))
        }
    }

    /// A line holding nothing but spaces is blank too.
    static func isBlank(_ record: CSVRecord) -> Bool {
        record.fieldCount == 1 && record.problem == nil && record.bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }
}
