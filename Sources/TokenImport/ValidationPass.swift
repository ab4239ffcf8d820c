import OATHCore

/// The state of one pass: the header, the cross-row rules, the counts. Shared by CSV and PSKC input.
struct ValidationPass {
    let validator: FileValidator
    let handlers: FileValidator.Handlers
    var summary = ValidationSummary()
    var fileRules: FileRules
    var header: Header?
    /// The serial number's and secret's field indexes, read from the header once for the clean lane.
    var serialColumn: Int?
    var secretColumn: Int?
    var headerRecord = CSVRecord()
    private var saidEncodingDetected = false
    /// True when the clean lane must hand each seed to the store's duplicate check (the store is not empty).
    let storeNeedsSeed: Bool

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

    /// Hands an accepted token on; a `TokenRefusal` from the handler (a conversion whose format
    /// cannot carry it) becomes the finding returned, and the row is rejected after all.
    func deliver(_ token: ValidToken) throws -> Finding? {
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
