/// One problem found in a token file: where, which field, what is wrong and how to fix it.
///
/// A finding never carries any part of a secret: messages describe secrets by length,
/// position and character class only.
public struct Finding: Sendable, Equatable {
    /// 1-based physical line where the record starts (the header is line 1); 0 for the file as a whole.
    public var line: Int
    public var upn: String
    public var serial: String
    /// The upload-format column name the finding is about (`secret key`), or empty.
    public var field: String
    public var code: FindingCode
    /// What is wrong and how to fix it, in one sentence or two.
    public var message: String

    public init(line: Int, upn: String = "", serial: String = "", field: Column? = nil, code: FindingCode, message: String) {
        self.line = line
        self.upn = upn
        self.serial = serial
        self.field = field?.rawValue ?? ""
        self.code = code
        self.message = message
    }

    public var isWarning: Bool { code.isWarning }
}

/// Thrown by an `accepted` handler that cannot take a token (a conversion to a format that would
/// lose one of its settings): the pass rejects the row with this finding instead.
public struct TokenRefusal: Error {
    public var field: Column?
    public var code: FindingCode
    public var message: String

    public init(field: Column? = nil, code: FindingCode, message: String) {
        self.field = field
        self.code = code
        self.message = message
    }
}
