import ArgumentParser
import Foundation
import OATHCore
import TokenImport

/// How to read vendor files: secret encoding, delimiter, column names, users, PSKC keys.
struct ReadOptions: ParsableArguments {
    @Option(name: .customLong("secret-encoding"),
            help: "How secrets are written: base32, hex, base64, or auto (hex only where a seed can only be hex).")
    var secretEncoding: SecretEncoding = .base32

    @Option(help: ArgumentHelp("Field separator of CSV input: ',', ';' or 'tab'.", valueName: "char"))
    var delimiter = ","

    @Option(name: .customLong("map"), help: ArgumentHelp(
        "Name a column the file calls otherwise, e.g. --map 'secret key=Seed' (repeatable).", valueName: "column=name"))
    var columnMap: [String] = []

    @Option(name: .customLong("upn-map"), help: ArgumentHelp(
        "A two-column CSV (serial, upn) giving users to rows without one.", valueName: "path"))
    var upnMap: String?

    @Option(name: .customLong("psk-file"), help: ArgumentHelp("PSKC: a file holding the pre-shared AES key in hex.", valueName: "path"))
    var pskFile: String?

    @Option(name: .customLong("password-file"), help: ArgumentHelp("PSKC: a file holding the password of a PBKDF2-derived key.", valueName: "path"))
    var passwordFile: String?

    @Option(help: ArgumentHelp("The manufacturer of rows or key packages that name none (a value in the file wins).", valueName: "name"))
    var manufacturer: String?

    @Option(help: ArgumentHelp("The model of rows or key packages that name none (a value in the file wins; PSKC and OATH CSV files rarely have one).", valueName: "name"))
    var model: String?

    @Flag(name: .customLong("no-mac-check"), help: "PSKC: do not check the MAC of encrypted secrets (not recommended).")
    var noMACCheck = false

    func validate() throws {
        guard ReadingSettings.delimiter(named: delimiter) != nil else { throw ValidationError("--delimiter must be ',', ';' or 'tab'") }
        for (flag, value) in [("--manufacturer", manufacturer), ("--model", model)] {
            if let value, let problem = DisplayText.problem(in: value, maxLength: RowRules.maxNameLength) {
                throw ValidationError("\(flag) \(problem)")
            }
        }
        for entry in columnMap {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, Column(header: parts[0]) != nil else {
                throw ValidationError("--map takes 'column=name' with a column of the upload format, e.g. 'secret key=Seed'; got '\(entry)'")
            }
        }
    }

    var delimiterByte: UInt8 { ReadingSettings.delimiter(named: delimiter) ?? UInt8(ascii: ",") }

    /// The settings of a pass: these options, `entra` and the input format. Reads the key,
    /// password and UPN map files named.
    func settings(entra: Bool, format: InputFormat) throws -> ReadingSettings {
        var settings = ReadingSettings()
        settings.format = format
        settings.entra = entra
        settings.secretEncoding = secretEncoding
        settings.delimiter = delimiterByte
        for entry in columnMap {
            let parts = entry.split(separator: "=", maxSplits: 1)
            settings.columnAliases[Column.fold(parts[1])] = Column(header: parts[0])
        }
        settings.upnMap = try readUPNMap()
        settings.manufacturer = manufacturer
        settings.model = model
        let psk = try pskFile.map { path -> [UInt8] in
            let text = try SecretText.read(file: path, what: "pre-shared key")
            do { return try Hex.decode(utf8: text) } catch { throw CLIError("the pre-shared key in \(path) is not hex: \(error)") }
        }
        settings.pskcKeys = PSKCKeys(preSharedKey: psk, password: try passwordFile.map { try SecretText.read(file: $0, what: "password") },
                                     checkMAC: !noMACCheck)
        return settings
    }

    /// Serial -> UPN from `--upn-map` (a header row, if any, is recognised by having no '@' in its second cell).
    private func readUPNMap() throws -> [String: String] {
        guard let upnMap else { return [:] }
        var map: [String: String] = [:]
        do {
            var reader = CSVReader(source: try FileByteSource(path: upnMap), delimiter: delimiterByte)
            var problem: String?
            try reader.forEachRecord { record in
                guard problem == nil else { return }
                let cells = (0..<record.ranges.count).map {
                    String(decoding: record.field($0)!, as: UTF8.self).trimmingCharacters(in: .whitespaces)
                }
                if cells.count == 1, cells[0].isEmpty { return }
                guard cells.count == 2 else {
                    problem = "line \(record.line) of \(upnMap) has \(cells.count) fields; the UPN map has two: serial,upn"
                    return
                }
                if record.line == 1, !cells[1].contains("@") { return }
                map[cells[0]] = cells[1]
            }
            if let problem { throw CLIError(problem) }
        } catch let error as ByteSourceError {
            throw CLIError(error.description)
        } catch let error as CSVReadError {
            throw CLIError(error.description)
        }
        return map
    }
}

extension SecretEncoding: ExpressibleByArgument {}
