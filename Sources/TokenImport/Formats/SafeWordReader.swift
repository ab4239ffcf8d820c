/// SafeWord / eToken PASS authenticator records (`.dat`), as LinOTP imports them.
///
/// Records are blocks of `name: value` lines separated by blank lines; the token is in
/// `sccAuthenticatorId` and `sccTokenData: sccKey=<hex>;sccMode=T;sccPwLen=6;sccTick=30;...`.
/// Time-based records (`sccMode=T`) are TOTP with HMAC-SHA-1; event-based ones (`E`) are refused.
enum SafeWordReader {
    /// True when the text starts (after comments) with SafeWord records.
    static func looksLikeDAT(_ bytes: ArraySlice<UInt8>) -> Bool {
        let text = String(decoding: bytes.prefix(4096), as: UTF8.self)
        return text.contains("sccAuthenticatorId")
    }

    /// One record's attributes, with the line it starts on.
    struct Entry {
        var line: Int
        var attributes: [String: String] = [:]
    }

    /// The upload-format record of one entry, or why it is refused.
    static func record(_ entry: Entry) -> Result<CSVRecord, RecordRejection> {
        let serial = entry.attributes["sccauthenticatorid"] ?? ""
        func reject(_ code: FindingCode, _ field: Column?, _ message: String) -> Result<CSVRecord, RecordRejection> {
            .failure(.init(findings: [Finding(line: entry.line, serial: serial, field: field, code: code, message: message)]))
        }
        guard let data = entry.attributes["scctokendata"] else {
            return reject(.secretMissing, .secret, "the record has no sccTokenData (and so no seed); ask the vendor for the full .dat file")
        }
        var values: [String: String] = [:]
        for pair in data.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { values[parts[0].trimmingCharacters(in: [" "]).lowercased()] = String(parts[1]).trimmingCharacters(in: [" "]) }
        }
        switch values["sccmode"]?.uppercased() {
        case "T": break
        case "E":
            return reject(.algorithmUnsupported, nil, "token \(serial) is event-based (sccMode=E, HOTP); oathctl loads time-based (sccMode=T) tokens only")
        default:
            return reject(.algorithmUnsupported, nil, "token \(serial) has no sccMode=T (time-based); oathctl loads TOTP tokens only")
        }
        let fields = [
            "", serial, values["scckey"] ?? "", values["scctick"] ?? "30", "", entry.attributes["scctokentype"] ?? "",
            "sha1", values["sccpwlen"] ?? "6",
        ]
        return .success(CSVRecord(line: entry.line, fields: fields))
    }
}

extension FileValidator {
    /// Reads SafeWord records with the same rules, findings and handlers as an upload CSV; seeds are hex.
    public func runSafeWord(source: some ByteSource, handlers: Handlers) throws -> ValidationSummary {
        var pass = try convertedPass(handlers: handlers, secretEncoding: .hex)
        var entry: SafeWordReader.Entry?
        func flush() throws {
            defer { entry = nil }
            guard let current = entry, current.attributes["sccauthenticatorid"] != nil else { return }
            switch SafeWordReader.record(current) {
            case let .success(record): try pass.process(record)
            case let .failure(rejection): try pass.reject(findings: rejection.findings)
            }
        }
        var lines = LineReader(source: source)
        while let (number, bytes) = try lines.next() {
            guard let text = String(validating: bytes, as: UTF8.self) else {
                try pass.unusable(Finding(line: number, code: .encodingInvalid, message: "line \(number) is not UTF-8; save the file as UTF-8"))
                break
            }
            let line = text.trimmingCharacters(in: [" ", "\t", "\r"])
            if line.isEmpty {
                try flush()
                continue
            }
            if line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: [" "]).lowercased()
            let value = line[line.index(after: colon)...].trimmingSpaces()
            if entry == nil { entry = SafeWordReader.Entry(line: number) }
            entry?.attributes[name] = value
        }
        try flush()
        try pass.finish()
        return pass.summary
    }
}
