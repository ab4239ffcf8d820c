import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Streams a PSKC file with Foundation's XML parser, handing over each `KeyPackage` as soon as it ends,
/// so a container with ten thousand packages is never held in memory.
final class PSKCParser: NSObject, XMLParserDelegate {
    /// Why the XML could not be read to the end.
    struct Failure: Error {
        var line: Int
        var message: String
    }

    private(set) var container = PSKCContainer()
    private(set) var sawContainer = false
    private let onPackage: (PSKCKeyPackage, PSKCContainer) throws -> Void
    private var path: [String] = []
    private var text = ""
    private var current: PSKCKeyPackage?
    private var handlerError: Error?
    private var parser: XMLParser?
    /// Longest text kept from one element; longer text is cut (no key field is anywhere near it).
    private static let maxText = 1 << 20

    init(onPackage: @escaping (PSKCKeyPackage, PSKCContainer) throws -> Void) {
        self.onPackage = onPackage
    }

    /// Parses the file; rethrows a handler's error, throws `Failure` for XML that is not well formed.
    func parse(path file: String) throws {
        var source = try FileByteSource(path: file)
        defer { source.close() }
        try preCheck(&source)
        guard let stream = InputStream(fileAtPath: file) else { throw Failure(line: 0, message: "cannot open \(file)") }
        try parse(XMLParser(stream: stream))
    }

    /// Parses XML already in memory (the fuzzer's entry).
    func parse(data: Data) throws {
        var source = MemoryByteSource(Array(data))
        try preCheck(&source)
        try parse(XMLParser(data: data))
    }

    private func preCheck(_ source: inout some ByteSource) throws {
        if let problem = try XMLPreCheck.firstProblem(&source) { throw Failure(line: problem.line, message: problem.message) }
    }

    private func parse(_ parser: XMLParser) throws {
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = self
        self.parser = parser
        let ok = parser.parse()
        if let handlerError { throw handlerError }
        if !ok {
            let reason = parser.parserError.map { ($0 as NSError).localizedDescription } ?? "unknown XML error"
            throw Failure(line: parser.lineNumber, message: "the XML is not well formed near line \(parser.lineNumber) (\(reason)); the file is cut short or not PSKC")
        }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if path.isEmpty {
            sawContainer = name == "KeyContainer"
            if !sawContainer {
                handlerError = Failure(line: parser.lineNumber, message: "the root element is <\(name)>, not a PSKC <KeyContainer>")
                parser.abortParsing()
            }
        }
        path.append(name)
        text = ""
        let algorithm = attributes["Algorithm"] ?? ""
        switch name {
        case "KeyPackage": current = PSKCKeyPackage(line: parser.lineNumber)
        case "Key": current?.keyAlgorithm = algorithm
        case "ResponseFormat": current?.digits = attributes["Length"] ?? ""
        case "EncryptionMethod" where inside("Secret"): current?.encryptionAlgorithm = algorithm
        case "MACMethod":
            container.macAlgorithm = algorithm
            container.macHash = PSKCNames.macHash(algorithm)
        case "KeyDerivationMethod" where algorithm == PSKCNames.pbkdf2: container.derivation = PSKCContainer.Derivation()
        case "PRF" where algorithm.lowercased().contains("sha256"): container.derivation?.hash = .sha256
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if text.utf8.count < Self.maxText { text += string }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        path.removeLast()
        switch name {
        case "Manufacturer" where inside("DeviceInfo"): current?.manufacturer = value
        case "SerialNo" where inside("DeviceInfo"): current?.serial = value
        case "Model" where inside("DeviceInfo"): current?.model = value
        case "Suite": current?.suite = value
        case "UserId" where path.last == "Key": current?.userId = value
        case "PlainValue" where path.last == "Secret": current?.plainSecret = value
        case "PlainValue" where path.last == "TimeInterval": current?.interval = value
        // Each value is decoded before it is stored: decoding notes a problem on `current`, which must
        // not overlap a write to `current` (the fuzzer found that exclusivity violation).
        case "CipherValue" where inside("MACKey"):
            let decoded = base64(value)
            container.macKeyCipher = decoded
        case "CipherValue" where inside("Secret"):
            let decoded = base64(value)
            current?.encryptedSecret = decoded
        case "ValueMAC" where inside("Secret") || path.last == "Secret":
            let decoded = base64(value)
            current?.valueMAC = decoded
        case "Specified" where inside("Salt"):
            let decoded = base64(value)
            container.derivation?.salt = decoded ?? []
        case "IterationCount": container.derivation?.iterations = Int(value) ?? 0
        case "KeyLength" where container.derivation != nil: container.derivation?.keyLength = Int(value) ?? 0
        case "KeyPackage":
            if let package = current {
                do { try onPackage(package, container) } catch {
                    handlerError = error
                    parser.abortParsing()
                }
            }
            current = nil
        default: break
        }
        text = ""
    }

    private func inside(_ element: String) -> Bool { path.contains(element) }

    private func base64(_ value: String) -> [UInt8]? {
        guard let data = Data(base64Encoded: value, options: .ignoreUnknownCharacters) else {
            current?.problems.append("a Base64 value is malformed")
            return nil
        }
        return Array(data)
    }
}
