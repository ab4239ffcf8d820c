import OATHCore
import TokenDomain

/// One streaming pass over a token file: header, row rules, file rules, with every finding reported.
///
/// The validator owns no output: findings, accepted tokens and rejected records go to the
/// closures the caller gives, so `validate` writes a report, `import` stores tokens and
/// `convert` writes an upload file.
public struct FileValidator {
    public var rules: RowRules
    public var maxMethodsPerUser: Int
    public var store: StoreView
    /// Field separator of CSV input (`,`, `;` or tab).
    public var delimiter: UInt8
    /// Extra header names (`--map`): a file's own column name, folded, to the column it holds.
    public var columnAliases: [String: Column]

    public init(rules: RowRules = RowRules(), maxMethodsPerUser: Int = MethodLimit.perUser, store: StoreView = EmptyStoreView(),
                delimiter: UInt8 = UInt8(ascii: ","), columnAliases: [String: Column] = [:]) {
        self.rules = rules
        self.maxMethodsPerUser = maxMethodsPerUser
        self.store = store
        self.delimiter = delimiter
        self.columnAliases = columnAliases
    }

    /// Where the pass sends what it finds.
    public struct Handlers {
        /// Every finding, in line order.
        public var finding: (Finding) throws -> Void
        /// Each accepted token, in line order (nil when no one needs them: no token is then made).
        public var accepted: ((ValidToken) throws -> Void)?
        /// Each rejected record with the header (for a rejects file).
        public var rejected: (CSVRecord, CSVRecord) throws -> Void = { _, _ in }
        /// Bytes read so far, after each chunk.
        public var progress: ((Int) -> Void)?

        public init(finding: @escaping (Finding) throws -> Void) { self.finding = finding }
    }

    /// Reads a whole CSV source once. Errors thrown by the handlers or the store stop the pass and propagate.
    public func run(source: some ByteSource, handlers: Handlers) throws -> ValidationSummary {
        var pass = ValidationPass(validator: self, handlers: handlers)
        // A token row is rarely under 64 bytes: tables sized for that many rows never grow (a
        // growth copies a table while both halves are live, and re-places every key).
        if let size = source.sizeHint { pass.fileRules.reserve(rows: size / 64) }
        var reader = CSVReader(source: source, delimiter: delimiter)
        do {
            try reader.forEachRecord(progress: handlers.progress) { record in
                if pass.summary.fileUnusable || Self.isBlank(record) { return }
                if pass.header == nil { return try pass.begin(headerRecord: record) }
                try pass.process(record)
            }
        } catch CSVReadError.utf16 {
            try pass.unusable(Finding(line: 0, code: .encodingInvalid, message: CSVReadError.utf16.description))
        }
        try pass.finish()
        return pass.summary
    }

    /// A line holding nothing but spaces is blank too.
    static func isBlank(_ record: CSVRecord) -> Bool {
        record.fieldCount == 1 && record.problem == nil && (record.field(0) ?? []).allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }
}
