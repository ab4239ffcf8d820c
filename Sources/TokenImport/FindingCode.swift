/// Stable codes of import findings: the `code` column of the error report and the keys of JSON counts.
public enum FindingCode: String, CaseIterable, Sendable, Codable, Comparable {
    // Row errors: the row is rejected.
    case fieldCount = "field_count"
    case upnMissing = "upn_missing"
    case upnInvalid = "upn_invalid"
    case serialMissing = "serial_missing"
    case serialInvalid = "serial_invalid"
    case serialDuplicate = "serial_duplicate"
    case secretMissing = "secret_missing"
    case secretNotBase32 = "secret_not_base32"
    case secretTooLong = "secret_too_long"
    case secretEncodingInvalid = "secret_encoding_invalid"
    case intervalInvalid = "interval_invalid"
    case manufacturerMissing = "manufacturer_missing"
    case manufacturerInvalid = "manufacturer_invalid"
    case modelMissing = "model_missing"
    case modelInvalid = "model_invalid"
    case hashInvalid = "hash_invalid"
    case digitsInvalid = "digits_invalid"
    case userTokenLimit = "user_token_limit"
    case tokenMultipleUsers = "token_multiple_users"
    case tokenAssignedElsewhere = "token_assigned_elsewhere"
    case secretConflict = "secret_conflict"
    case secretDuplicate = "secret_duplicate"
    // Conversions: the target format cannot carry the token.
    case entraUnsupported = "entra_unsupported"
    // Vendor PSKC files: the key package is rejected.
    case algorithmUnsupported = "algorithm_unsupported"
    case macInvalid = "mac_invalid"
    case decryptionFailed = "decryption_failed"
    case pskcMalformed = "pskc_malformed"
    // Structural errors: whole-file when they stop reading, else they reject the record they are on.
    case headerMissing = "header_missing"
    case columnMissing = "column_missing"
    case csvMalformed = "csv_malformed"
    case encodingInvalid = "encoding_invalid"
    case fileEmpty = "file_empty"
    // Warnings: the row is kept.
    case secretWeak = "secret_weak"
    case columnUnknown = "column_unknown"
    case secretEncodingDetected = "secret_encoding_detected"

    /// Warnings keep the row; everything else rejects it.
    public var isWarning: Bool { self == .secretWeak || self == .columnUnknown || self == .secretEncodingDetected }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}
