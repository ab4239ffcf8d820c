import TokenDomain
import Foundation
import OATHCore

/// How the secret-key column is written.
public enum SecretEncoding: String, CaseIterable, Sendable {
    /// RFC 4648 Base32, as the upload format requires.
    case base32
    /// Hexadecimal, as many vendors ship seeds.
    case hex
    /// RFC 4648 Base64.
    case base64
    /// Base32, or hex when a seed can only be hex (it has 0, 1, 8 or 9 and only hex digits); ambiguous seeds are refused.
    case auto
}

/// The rules one row must pass on its own, before anything is compared across rows or with the store.
public struct RowRules: Sendable {
    /// Check as the Microsoft Entra upload would: UPN required, SHA-1 only, 6 digits.
    public var entra: Bool
    public var secretEncoding: SecretEncoding
    /// Users for rows whose UPN is empty, by serial key (`--upn-map`).
    public private(set) var upnMap: [String: String]
    /// Manufacturer and model for rows that name none (`--manufacturer`, `--model`); empty: none.
    public var defaultManufacturer = ""
    public var defaultModel = ""

    public init(entra: Bool = false, secretEncoding: SecretEncoding = .base32, upnMap: [String: String] = [:]) {
        self.entra = entra
        self.secretEncoding = secretEncoding
        // Keyed by `Serial.key`, as every serial lookup is.
        self.upnMap = Dictionary(upnMap.map { (Serial.key($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// Longest serial number accepted.
    public static let maxSerialLength = 64
    /// Longest manufacturer or model name.
    public static let maxNameLength = 64
    /// Fewest secret bits without a `secret_weak` warning (RFC 4226 section 4, R6).
    static let minSecretBits = 128

    /// Checks one record; returns the token when no error was found, and every finding (errors and warnings).
    func check(_ record: CSVRecord, header: Header) -> (token: ValidToken?, findings: [Finding]) {
        if let problem = record.problem {
            let code: FindingCode = switch problem {
            case .nulByte: .encodingInvalid
            default: .csvMalformed
            }
            return (nil, [Finding(line: record.line, code: code, message: problem.description)])
        }
        guard record.fieldCount == header.fieldCount else {
            let message = "row has \(record.fieldCount) fields but the header has \(header.fieldCount); "
                + "quote any field that contains a comma and remove stray commas"
            return (nil, [Finding(line: record.line, code: .fieldCount, message: message)])
        }
        let fields = TokenFields(record: record, header: header, rules: self)
        var findings: [Finding] = []
        let line = fields.line, upn = fields.upn, serial = fields.serial
        func add(_ column: Column?, _ code: FindingCode, _ message: String) {
            findings.append(Finding(line: line, upn: upn, serial: serial, field: column, code: code, message: message))
        }
        for column in fields.badEncoding {
            add(column, .encodingInvalid, "\(column.rawValue) is not valid UTF-8; save the file as CSV UTF-8")
        }
        checkUPN(fields.upn, add)
        checkSerial(fields.serial, add)
        let secret = checkSecret(fields.secret, add)
        let interval = checkInterval(fields.interval, add)
        if fields.manufacturer.isEmpty, !fields.badEncoding.contains(.manufacturer) {
            add(.manufacturer, .manufacturerMissing, "manufacturer is empty; give the vendor's name as printed on the token's datasheet, or pass --manufacturer NAME for rows without one")
        } else if let problem = DisplayText.problem(in: fields.manufacturer, maxLength: Self.maxNameLength) {
            add(.manufacturer, .manufacturerInvalid, "manufacturer \(problem)")
        }
        if fields.model.isEmpty, !fields.badEncoding.contains(.model) {
            add(.model, .modelMissing, "model is empty; give the token model from the vendor's file, or pass --model NAME for rows without one (PSKC and OATH CSV files rarely name it)")
        } else if let problem = DisplayText.problem(in: fields.model, maxLength: Self.maxNameLength) {
            add(.model, .modelInvalid, "model \(problem)")
        }
        let hash = checkHash(fields.hash, add)
        let digits = checkDigits(fields.digits, add)

        guard findings.allSatisfy(\.isWarning), let secret, let interval, let hash, let digits else { return (nil, findings) }
        let token = ValidToken(line: fields.line, upn: fields.upn.isEmpty ? nil : fields.upn, serial: fields.serial,
                               secret: secret, interval: interval, manufacturer: fields.manufacturer, model: fields.model,
                               hash: hash, digits: digits)
        return (token, findings)
    }

    private typealias Add = (Column?, FindingCode, String) -> Void

    private func checkUPN(_ upn: String, _ add: Add) {
        if upn.isEmpty {
            if entra { add(.upn, .upnMissing, "upn is empty; the Entra upload assigns every token to a user: fill in the user's sign-in name") }
            return
        }
        if let problem = UPN.problem(in: upn) { add(.upn, .upnInvalid, problem) }
    }

    private func checkSerial(_ serial: String, _ add: Add) {
        if serial.isEmpty {
            add(.serial, .serialMissing, "serial number is empty; copy it from the vendor's file or the back of the token")
        } else if let (position, scalar) = serial.unicodeScalars.enumerated().first(where: { !Self.isSerialCharacter($0.element) }) {
            let what = scalar == " " ? "a space" : DisplayText.codePoint(scalar)
            add(.serial, .serialInvalid, "serial number has \(what) at character \(position + 1); a serial is printable ASCII without spaces, as printed on the token: retype it")
        } else if serial.utf8.count > Self.maxSerialLength {
            add(.serial, .serialInvalid, "serial number is \(serial.utf8.count) characters long; at most \(Self.maxSerialLength) are allowed")
        }
    }

    /// Printable ASCII without space (`!` to `~`): what vendors print on a token. Anything else
    /// (a zero-width space, a no-break space, Arabic-Indic digits) would make a second serial that
    /// looks the same as the first.
    static func isSerialCharacter(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= 0x21 && scalar.value <= 0x7E }

    /// True when every byte is a serial character; the clean lane asks this of the serial's bytes.
    static func isSerial(_ bytes: some Sequence<UInt8>) -> Bool {
        bytes.allSatisfy { $0 >= 0x21 && $0 <= 0x7E }
    }

    private func checkSecret(_ bytes: ArraySlice<UInt8>, _ add: Add) -> Secret? {
        if bytes.isEmpty {
            add(.secret, .secretMissing, "secret key is empty; copy the token's seed from the vendor's file")
            return nil
        }
        let decoded: [UInt8]
        switch secretEncoding {
        case .base32:
            return checkBase32(bytes, add)
        case .hex:
            guard let hex = decodeHex(bytes, add) else { return nil }
            decoded = hex
        case .base64:
            guard let data = Base64Strict.decode(bytes), !data.isEmpty else {
                add(.secret, .secretEncodingInvalid, "secret key is not valid Base64 (A-Z, a-z, 0-9, +, / and = padding)")
                return nil
            }
            decoded = data
        case .auto:
            let hexOnly = Base32.looksLikeHex(bytes)
            if !hexOnly { return checkBase32(bytes, add) }
            guard bytes.contains(where: { !Base32.isSymbol($0) }) else {
                add(.secret, .secretEncodingInvalid, "secret key could be hex or Base32; say which with --secret-encoding hex or base32")
                return nil
            }
            guard let hex = decodeHex(bytes, add) else { return nil }
            add(.secret, .secretEncodingDetected, "secret keys are read as hex where they can only be hex (only 0-9 and a-f, with digits Base32 lacks); pass --secret-encoding to choose")
            decoded = hex
        }
        let base32Length = (decoded.count * 8 + 4) / 5
        if base32Length > Base32.uploadMaxLength {
            add(.secret, .secretTooLong, "secret key is \(decoded.count) bytes (\(base32Length) Base32 characters); at most \(Base32.uploadMaxLength) characters are allowed")
            return nil
        }
        return checkStrength(Secret(bytes: decoded), add)
    }

    private func checkBase32(_ bytes: ArraySlice<UInt8>, _ add: Add) -> Secret? {
        var failed = false
        if bytes.count > Base32.uploadMaxLength {
            add(.secret, .secretTooLong, "secret key is \(bytes.count) characters long; at most \(Base32.uploadMaxLength) are allowed")
            failed = true
        }
        do {
            let decoded = try Base32.decode(utf8: bytes, maxLength: nil)
            return failed ? nil : checkStrength(Secret(bytes: decoded), add)
        } catch {
            add(.secret, .secretNotBase32, "secret key: \(error)")
            return nil
        }
    }

    private func decodeHex(_ bytes: ArraySlice<UInt8>, _ add: Add) -> [UInt8]? {
        do { return try Hex.decode(utf8: bytes) } catch {
            add(.secret, .secretEncodingInvalid, "secret key is not hex: \(error)")
            return nil
        }
    }

    private func checkStrength(_ secret: Secret, _ add: Add) -> Secret {
        if secret.bitCount < Self.minSecretBits {
            add(.secret, .secretWeak, "secret key has \(secret.bitCount) bits, below the \(Self.minSecretBits) bits RFC 4226 requires; ask the vendor for a stronger seed")
        }
        return secret
    }

    private func checkInterval(_ text: String, _ add: Add) -> Int? {
        if text == "30" || text == "60" { return Int(text) }
        let shown = text.isEmpty ? "empty" : "'\(DisplayText.escaped(String(text.prefix(16))))'"
        add(.interval, .intervalInvalid, "time interval is \(shown); it must be 30 or 60 (seconds per code, from the token's datasheet)")
        return nil
    }

    private func checkHash(_ text: String, _ add: Add) -> HashAlgorithm? {
        if text.isEmpty { return .sha1 }
        guard let hash = HashAlgorithm(loose: text) else {
            add(.hash, .hashInvalid, "hash '\(DisplayText.escaped(String(text.prefix(16))))' is not supported; use sha1, sha256 or sha512")
            return nil
        }
        if entra, hash != .sha1 {
            add(.hash, .hashInvalid, "hash is \(hash.rawValue) but the Entra upload takes SHA-1 tokens only")
            return nil
        }
        return hash
    }

    private func checkDigits(_ text: String, _ add: Add) -> Int? {
        if text.isEmpty { return 6 }
        guard text == "6" || text == "8" else {
            add(.digits, .digitsInvalid, "digits '\(DisplayText.escaped(String(text.prefix(16))))' must be 6 or 8")
            return nil
        }
        if entra, text != "6" {
            add(.digits, .digitsInvalid, "the Entra upload takes 6-digit tokens only")
            return nil
        }
        return Int(text)
    }
}
