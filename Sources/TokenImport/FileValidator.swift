import OATHCore

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

    public init(rules: RowRules = RowRules(), maxMethodsPerUser: Int = 5, store: StoreView = EmptyStoreView(),
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
        record.fieldCount == 1 && record.problem == nil && record.bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }
}

/// The state of one pass: the header, the cross-row rules, the counts. Shared by CSV and PSKC input.
struct ValidationPass {
    let validator: FileValidator
    let handlers: FileValidator.Handlers
    var summary = ValidationSummary()
    var fileRules: FileRules
    var header: Header?
    /// The serial number's and secret's field indexes, read from the header once for the clean lane.
    private var serialColumn: Int?
    private var secretColumn: Int?
    var headerRecord = CSVRecord()
    private var saidEncodingDetected = false
    /// True when the clean lane must hand each seed to the store's duplicate check (the store is not empty).
    private let storeNeedsSeed: Bool

    init(validator: FileValidator, handlers: FileValidator.Handlers) {
        self.validator = validator
        self.handlers = handlers
        fileRules = FileRules(maxMethodsPerUser: validator.maxMethodsPerUser, store: validator.store)
        storeNeedsSeed = !validator.store.isKnownEmpty
    }

    mutating func report(_ finding: Finding) throws {
        if finding.code == .secretEncodingDetected {
            if saidEncodingDetected { return }
            saidEncodingDetected = true
        }
        summary.record(finding)
        try handlers.finding(finding)
    }

    mutating func unusable(_ finding: Finding) throws {
        summary.fileUnusable = true
        try report(finding)
    }

    /// Reads the header row; a first row naming no known column makes the file unusable.
    mutating func begin(headerRecord record: CSVRecord) throws {
        guard let parsed = Header(record: record, aliases: validator.columnAliases) else {
            return try unusable(Finding(line: record.line, code: .headerMissing,
                message: "line \(record.line) is not a header; the first row must name the columns: upn,serial number,secret key,time interval,manufacturer,model" + Self.headerlessHint(record)))
        }
        for (position, name) in parsed.unknown {
            try report(Finding(line: record.line, code: .columnUnknown,
                               message: "column \(position) '\(name.prefix(40))' is not a known column and is ignored (name it with --map if it holds one)"))
        }
        for (position, column) in parsed.duplicated {
            try unusable(Finding(line: record.line, field: column, code: .columnMissing,
                                 message: "column \(position) names \(column.rawValue) a second time; keep one \(column.rawValue) column"))
        }
        let rules = validator.rules
        let missing = parsed.missing(entra: rules.entra).filter {
            !($0 == .manufacturer && !rules.defaultManufacturer.isEmpty) && !($0 == .model && !rules.defaultModel.isEmpty)
        }
        if !missing.isEmpty {
            let names = missing.map(\.rawValue).joined(separator: ", ")
            try unusable(Finding(line: record.line, field: missing[0], code: .columnMissing,
                                 message: "the header has no \(names) column; the upload format is upn,serial number,secret key,time interval,manufacturer,model (name other columns with --map)"))
        }
        header = parsed
        serialColumn = parsed.positions[.serial]
        secretColumn = parsed.positions[.secret]
        headerRecord = record
    }

    /// What a headerless first line looks like, when it looks like a format oathctl reads another way.
    static func headerlessHint(_ record: CSVRecord) -> String {
        let first = record.field(0).map { String(decoding: $0, as: UTF8.self).trimmingSpaces() } ?? ""
        if first.hasPrefix("#") {
            return "; it starts with a '#' comment line, as an OATH CSV (serial, hex seed[, type[, digits[, time step[, hash]]]]) does: read it with --input-format oath-csv"
        }
        if first.uppercased() == "OATH-HOTP" || first.lowercased().hasPrefix("yubico") {
            return "; this looks like a YubiKey personalization log (OATH-HOTP or Yubico OTP), which oathctl does not load: it loads TOTP tokens only"
        }
        guard let second = record.field(1)?.trimmingSpaceBytes(), second.count >= 2, second.count % 2 == 0,
              second.allSatisfy({ Hex.value($0) != nil }) else { return "" }
        return "; its second field is hex, as in an OATH CSV (serial, hex seed[, type[, digits[, time step[, hash]]]]): read it with --input-format oath-csv"
    }

    /// Runs the row and file rules on one data record and sends the outcome to the handlers.
    mutating func process(_ record: CSVRecord) throws {
        guard let columns = header else { return }
        if try acceptClean(record, header: columns) { return }
        summary.rowsRead += 1
        var (token, findings) = validator.rules.check(record, header: columns)
        if token != nil {
            let crossRow = try fileRules.check(&token!)
            if !crossRow.isEmpty {
                token = nil
                findings += crossRow
            }
        } else {
            let fields = TokenFields(record: record, header: columns, rules: validator.rules)
            try fileRules.noteRejected(serial: fields.serial, upn: fields.upn, line: record.line)
        }
        if let made = token, let refusal = try deliver(made) {
            token = nil
            findings.append(refusal)
        }
        for finding in findings { try report(finding) }
        if token != nil {
            summary.accepted += 1
        } else {
            summary.rejected += 1
            try handlers.rejected(record, headerRecord)
        }
    }

    /// The clean lane (`CleanRow`): accepts a row with no finding without the full check's strings;
    /// false when the row needs the full check.
    private mutating func acceptClean(_ record: CSVRecord, header: Header) throws -> Bool {
        guard let serialColumn, let secretColumn, serialColumn < record.ranges.count, secretColumn < record.ranges.count else {
            return false
        }
        // Each closure over the record's bytes captures ranges and numbers, never the record:
        // a closure that captured it made a copy of the record per row (a tenth of `validate`).
        let serialRange = record.ranges[serialColumn], secretRange = record.ranges[secretColumn]
        // Both table lookups are started first, so their memory accesses overlap the row's own
        // checks: with a million rows each is a memory round trip.
        let (serialHash, seedPrint) = record.bytes.withUnsafeBufferPointer { bytes in
            let serialHash = fileRules.prefetchSerial(UnsafeBufferPointer(rebasing: bytes[RowRules.trimmed(serialRange, in: bytes)]))
            let seedPrint = RowRules.seedPrint(base32: UnsafeBufferPointer(rebasing: bytes[RowRules.trimmed(secretRange, in: bytes)]))
            if let seedPrint { fileRules.prefetchSeed(seedPrint) }
            return (serialHash, seedPrint)
        }
        guard let seedPrint, let clean = validator.rules.cleanRow(record, header: header) else { return false }
        let seed = storeNeedsSeed ? (try? Base32.decode(utf8: record.bytes[clean.secret], maxLength: nil)) : nil
        var token: ValidToken?
        if handlers.accepted != nil {
            guard let made = clean.token(in: record) else { return false }
            token = made
        }
        let line = record.line
        let accepted = try record.bytes.withUnsafeBufferPointer { bytes in
            try fileRules.acceptClean(serial: UnsafeBufferPointer(rebasing: bytes[clean.serial]), serialHash: serialHash,
                                      upn: UnsafeBufferPointer(rebasing: bytes[clean.upn]), seedPrint: seedPrint,
                                      seed: seed.map { Secret(bytes: $0) }, line: line)
        }
        guard accepted else { return false }
        summary.rowsRead += 1
        if let token, let refusal = try deliver(token) {
            try report(refusal)
            summary.rejected += 1
            try handlers.rejected(record, headerRecord)
            return true
        }
        summary.accepted += 1
        return true
    }

    /// Hands an accepted token on; a `TokenRefusal` from the handler (a conversion whose format
    /// cannot carry it) becomes the finding returned, and the row is rejected after all.
    private func deliver(_ token: ValidToken) throws -> Finding? {
        do {
            try handlers.accepted?(token)
            return nil
        } catch let refusal as TokenRefusal {
            return Finding(line: token.line, upn: token.upn ?? "", serial: token.serial, field: refusal.field,
                           code: refusal.code, message: refusal.message)
        }
    }

    /// Rejects an entry that never became a record (a PSKC key package that could not be read).
    mutating func reject(findings: [Finding]) throws {
        summary.rowsRead += 1
        summary.rejected += 1
        for finding in findings { try report(finding) }
    }

    /// Closes the pass: a file with no header or no rows is unusable.
    mutating func finish() throws {
        if !summary.fileUnusable, header == nil || summary.rowsRead == 0 {
            try unusable(Finding(line: header == nil ? 0 : 1, code: .fileEmpty,
                                 message: header == nil ? "the file is empty; export the token list with its header row"
                                                        : "the file has no token rows"))
        }
    }
}
