import Foundation
import OATHCore

/// Keys to open an encrypted PSKC file, read from files by the CLI (never from argv).
public struct PSKCKeys: Sendable {
    /// The pre-shared AES key (`--psk-file`, hex).
    public var preSharedKey: [UInt8]?
    /// The password for PBKDF2-derived keys (`--password-file`).
    public var password: [UInt8]?
    /// Check each encrypted value's MAC (RFC 6030 section 6.1.1); `--no-mac-check` turns it off.
    public var checkMAC = true

    public init(preSharedKey: [UInt8]? = nil, password: [UInt8]? = nil, checkMAC: Bool = true) {
        self.preSharedKey = preSharedKey
        self.password = password
        self.checkMAC = checkMAC
    }
}

/// Turns a key package into an upload-format record, or into the findings that reject it.
struct PSKCPackageReader {
    let keys: PSKCKeys
    /// The record, or the findings that reject the package.
    func read(_ package: PSKCKeyPackage, container: PSKCContainer) -> Result<CSVRecord, RecordRejection> {
        func reject(_ code: FindingCode, _ field: Column?, _ message: String) -> Result<CSVRecord, RecordRejection> {
            .failure(RecordRejection(findings: [Finding(line: package.line, serial: package.serial, field: field, code: code, message: message)]))
        }
        if let problem = package.problems.first { return reject(.pskcMalformed, nil, "key package: \(problem)") }
        let name = package.serial.isEmpty ? "without a serial number" : package.serial
        if let refusal = PSKCNames.kind(of: package.keyAlgorithm).refusal(key: name, uri: package.keyAlgorithm) {
            return reject(.algorithmUnsupported, nil, refusal)
        }
        let secret: [UInt8]
        switch secretBytes(package, container: container) {
        case let .success(bytes): secret = bytes
        case let .failure(rejection): return .failure(rejection)
        }
        let hash = package.suite.isEmpty ? "sha1" : package.suite
        let upn = package.userId.contains("@") && !package.userId.contains("=") ? package.userId : ""
        let fields = [upn, package.serial, Base32.encode(secret), package.interval.isEmpty ? "30" : package.interval,
                      package.manufacturer, package.model, hash, package.digits]
        return .success(CSVRecord(line: package.line, fields: fields))
    }

    func secretBytes(_ package: PSKCKeyPackage, container: PSKCContainer) -> Result<[UInt8], RecordRejection> {
        func reject(_ code: FindingCode, _ message: String) -> Result<[UInt8], RecordRejection> {
            .failure(RecordRejection(findings: [Finding(line: package.line, serial: package.serial, field: .secret, code: code, message: message)]))
        }
        if let plain = package.plainSecret {
            guard let bytes = Base64Strict.decode(plain), !bytes.isEmpty else {
                return reject(.secretEncodingInvalid, "the PlainValue of the secret is not Base64 (A-Z, a-z, 0-9, +, / and = padding; a character outside them is never dropped): ask the vendor for a corrected file")
            }
            return .success(bytes)
        }
        guard let cipher = package.encryptedSecret else {
            return reject(.secretMissing, "the key package carries no secret (PlainValue or EncryptedValue)")
        }
        guard PSKCNames.aesCBC.contains(package.encryptionAlgorithm) else {
            return reject(.decryptionFailed, "encryption '\(package.encryptionAlgorithm.suffix(60))' is not supported; oathctl reads AES-CBC (RFC 6030 section 6.1)")
        }
        let key: [UInt8]
        if let derivation = container.derivation {
            guard let password = keys.password else {
                return reject(.decryptionFailed, "the secrets are encrypted with a password-derived key; give the password with --password-file")
            }
            guard let derived = PSKCCrypto.pbkdf2(password: password, salt: derivation.salt, iterations: derivation.iterations,
                                                  keyLength: derivation.keyLength, hash: derivation.hash) else {
                return reject(.decryptionFailed, "the PBKDF2 parameters (salt, iteration count, key length) are missing or out of range")
            }
            key = derived
        } else {
            guard let psk = keys.preSharedKey else {
                return reject(.decryptionFailed, "the secrets are encrypted with a pre-shared key; give it (hex) with --psk-file")
            }
            key = psk
        }
        if keys.checkMAC, let valueMAC = package.valueMAC {
            if container.macHash == nil, !container.macAlgorithm.isEmpty {
                return reject(.macInvalid, "the MAC algorithm '\(container.macAlgorithm.suffix(60))' is not supported (HMAC-SHA1 or HMAC-SHA256); --no-mac-check skips the check")
            }
            guard let hash = container.macHash, let macKeyCipher = container.macKeyCipher,
                  let macKey = try? PSKCCrypto.decryptCBC(macKeyCipher, key: key) else {
                return reject(.macInvalid, "the value MAC cannot be checked: the MACMethod or its key is missing or does not open with this key (--no-mac-check skips the check)")
            }
            guard PSKCCrypto.equal(PSKCCrypto.mac(cipher, key: macKey, hash: hash), valueMAC) else {
                return reject(.macInvalid, "the secret's MAC does not match: the file was altered or the key is wrong; ask the vendor for a new file")
            }
        }
        guard let plain = try? PSKCCrypto.decryptCBC(cipher, key: key) else {
            return reject(.decryptionFailed, "the secret does not decrypt with this key (wrong --psk-file or --password-file?)")
        }
        return .success(plain)
    }
}

extension FileValidator {
    /// Reads a PSKC file with the same rules, findings and handlers as a CSV file.
    public func runPSKC(path: String, keys: PSKCKeys, handlers: Handlers) throws -> ValidationSummary {
        try runPSKC(keys: keys, handlers: handlers) { try $0.parse(path: path) }
    }

    /// Reads PSKC XML already in memory.
    public func runPSKC(data: Data, keys: PSKCKeys, handlers: Handlers) throws -> ValidationSummary {
        try runPSKC(keys: keys, handlers: handlers) { try $0.parse(data: data) }
    }

    private func runPSKC(keys: PSKCKeys, handlers: Handlers, parse: (PSKCParser) throws -> Void) throws -> ValidationSummary {
        var pass = try convertedPass(handlers: handlers)
        let reader = PSKCPackageReader(keys: keys)
        let parser = PSKCParser { package, container in
            switch reader.read(package, container: container) {
            case let .success(record): try pass.process(record)
            case let .failure(rejection): try pass.reject(findings: rejection.findings)
            }
        }
        do {
            try parse(parser)
        } catch let failure as PSKCParser.Failure {
            try pass.unusable(Finding(line: failure.line, code: .pskcMalformed, message: failure.message))
        }
        try pass.finish()
        return pass.summary
    }
}
