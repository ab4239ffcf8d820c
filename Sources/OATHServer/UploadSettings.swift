import Foundation
import HTTPTypes
import Hummingbird
import OATHCore
import TokenImport

/// How to read an upload, from the query (`entra`, `atomic`, `input-format`, `manufacturer`,
/// `model`, `secret-encoding`, `delimiter`, `name`) and, for an encrypted PSKC, the headers
/// `X-PSKC-Key` (hex) and `X-PSKC-Password`: secrets never travel in a URL, which proxies log.
struct UploadSettings {
    var reading = ReadingSettings()
    var atomic = false
    /// The file's name, for the batch and the report's download name.
    var name = "upload"

    static let keyHeader = HTTPField.Name("X-PSKC-Key")!
    static let passwordHeader = HTTPField.Name("X-PSKC-Password")!
    static let parameters: Set<String> = ["entra", "atomic", "input-format", "manufacturer", "model", "secret-encoding", "delimiter", "name"]

    init(_ request: Request) throws {
        let query = request.uri.queryParameters
        for (key, _) in query where !Self.parameters.contains(String(key)) {
            throw Self.invalid("unknown parameter \(key); the upload takes \(Self.parameters.sorted().joined(separator: ", "))")
        }
        reading.entra = try Self.flag(query.get("entra"), "entra")
        atomic = try Self.flag(query.get("atomic"), "atomic")
        if let text = query.get("input-format") {
            guard let format = InputFormat(rawValue: text) else {
                throw Self.invalid("input-format must be one of \(InputFormat.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            reading.format = format
        }
        if let text = query.get("secret-encoding") {
            guard let encoding = SecretEncoding(rawValue: text) else {
                throw Self.invalid("secret-encoding must be one of \(SecretEncoding.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            reading.secretEncoding = encoding
        }
        if let text = query.get("delimiter") {
            guard let delimiter = ReadingSettings.delimiter(named: text) else { throw Self.invalid("delimiter must be ',', ';' or 'tab'") }
            reading.delimiter = delimiter
        }
        for (parameter, value) in [("manufacturer", query.get("manufacturer")), ("model", query.get("model"))] {
            if let value, let problem = DisplayText.problem(in: value, maxLength: RowRules.maxNameLength) {
                throw Self.invalid("\(parameter) \(problem)")
            }
        }
        reading.manufacturer = query.get("manufacturer")
        reading.model = query.get("model")
        if let name = query.get("name") {
            if let problem = DisplayText.problem(in: name, maxLength: 255) { throw Self.invalid("name \(problem)") }
            self.name = name
        }
        if let key = request.headers[Self.keyHeader] {
            guard let bytes = try? Hex.decode(utf8: Array(key.trimmingCharacters(in: .whitespaces).utf8)) else {
                throw Self.invalid("X-PSKC-Key must be the pre-shared AES key in hex")
            }
            reading.pskcKeys.preSharedKey = bytes
        }
        reading.pskcKeys.password = request.headers[Self.passwordHeader].map { Array($0.utf8) }
    }

    /// The report's download name, as the Entra portal and `oathctl validate` name it.
    var reportName: String {
        let base = URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent
        let safe = base.unicodeScalars.map { CharacterSet.alphanumerics.contains($0) || "-_.".unicodeScalars.contains($0) ? String($0) : "_" }.joined()
        return "Failures_\(safe.isEmpty ? "upload" : safe).csv"
    }

    private static func flag(_ text: String?, _ name: String) throws -> Bool {
        switch text {
        case nil, "false": false
        case "true": true
        default: throw invalid("\(name) is true or false")
        }
    }

    private static func invalid(_ message: String) -> APIError {
        APIError(.badRequest, code: "parameter_invalid", message: message)
    }
}
