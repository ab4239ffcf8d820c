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
    /// True once `</KeyContainer>` closed the document: a file without it was cut short.
    private var sawContainerEnd = false
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

    /// Parses the file; rethrows a handler's error, throws `Failure` for XML that is not well formed
    /// or cut short.
    func parse(path file: String) throws {
        var first = try FileByteSource(path: file)
        defer { first.close() }
        var chunk: [UInt8] = []
        try first.read(into: &chunk)
        if Self.leadingSpaceBeforeDeclaration(chunk) != nil || ExternalEntities.declared(in: chunk) {
            // Files that need rewriting first (white space before `<?xml`, external entities) are
            // read whole, and `parse(data:)` checks and rewrites them; vendors' such files are small,
            // and a large one is refused rather than held.
            if let size = first.sizeHint, size > Self.maxRewrittenBytes {
                throw Failure(line: 1, message: "the file has white space before <?xml or declares an external entity, and is over \(Self.maxRewrittenBytes >> 20) MiB; remove them or ask the vendor for a plain PSKC file")
            }
            guard let data = FileManager.default.contents(atPath: file) else { throw Failure(line: 0, message: "cannot open \(file)") }
            return try parse(data: data)
        }
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
        let data = ExternalEntities.declared(in: Array(data.prefix(1 << 20))) ? ExternalEntities.referencesRemoved(data) : data
        if let start = Self.leadingSpaceBeforeDeclaration(Array(data.prefix(4096))) {
            lineOffset = data.prefix(start).count { $0 == 0x0A }
            return try parse(XMLParser(data: data.dropFirst(start)))
        }
        try parse(XMLParser(data: data))
    }

    /// Largest file read whole to be rewritten before parsing.
    static let maxRewrittenBytes = 64 << 20

    /// Lines dropped before the declaration, added back to every line number reported.
    private var lineOffset = 0

    /// Where `<?xml` starts when white space (after any byte-order mark) comes before it, else nil.
    static func leadingSpaceBeforeDeclaration(_ bytes: [UInt8]) -> Int? {
        var index = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let spaceStart = index
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        guard index > spaceStart, bytes[index...].starts(with: Array("<?xml".utf8)) else { return nil }
        return index
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
        let line = parser.lineNumber + lineOffset
        if !ok {
            let reason = parser.parserError.map { ($0 as NSError).localizedDescription } ?? "unknown XML error"
            throw Failure(line: line, message: "the XML is not well formed near line \(line) (\(reason)); the file is cut short or not PSKC: nothing from it was loaded")
        }
        if sawContainer, !sawContainerEnd {
            throw Failure(line: line, message: "the file ends at line \(line) before </KeyContainer>: it is cut short, and a partial delivery must not look complete; nothing from it was loaded: ask the vendor for the whole file")
        }
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        if path.isEmpty {
            sawContainer = name == "KeyContainer"
            if !sawContainer {
                let hint = name == "Tokens" ? " (a SafeWord/SafeNet token list, whose tokens are event-based HOTP with a moving factor: oathctl loads TOTP tokens only)" : ""
                handlerError = Failure(line: parser.lineNumber + lineOffset, message: "the root element is <\(name)>, not a PSKC <KeyContainer>" + hint)
                parser.abortParsing()
            }
        }
        path.append(name)
        text = ""
        let algorithm = attributes["Algorithm"] ?? ""
        switch name {
        case "KeyPackage": current = PSKCKeyPackage(line: parser.lineNumber + lineOffset)
        // The pre-RFC drafts (namespace `urn:ietf:params:xml:ns:keyprov:pskc:1.0`) hold each key in a
        // `Device`, and name the algorithm in `KeyAlgorithm`.
        case "Device" where !inside("KeyPackage"): current = PSKCKeyPackage(line: parser.lineNumber + lineOffset)
        case "Key": current?.keyAlgorithm = attributes["KeyAlgorithm"] ?? algorithm
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

    /// CDATA is text too (a vendor's `<Manufacturer><![CDATA[...]]></Manufacturer>`).
    func parser(_ parser: XMLParser, foundCDATA block: Data) {
        if text.utf8.count < Self.maxText { text += String(decoding: block, as: UTF8.self) }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
        path.removeLast()
        switch name {
        case "Manufacturer" where inside("DeviceInfo") || inside("DeviceId"): current?.manufacturer = value
        case "SerialNo" where inside("DeviceInfo") || inside("DeviceId"): current?.serial = value
        case "Model" where inside("DeviceInfo") || inside("DeviceId"): current?.model = value
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
        case "KeyContainer" where path.isEmpty: sawContainerEnd = true
        case "KeyPackage": finishPackage(parser)
        case "Device" where !inside("KeyPackage"): finishPackage(parser)
        default: break
        }
        text = ""
    }

    private func inside(_ element: String) -> Bool { path.contains(element) }

    /// Hands the package just closed (`KeyPackage`, or a draft's `Device`) to the handler.
    private func finishPackage(_ parser: XMLParser) {
        if let package = current {
            do { try onPackage(package, container) } catch {
                handlerError = error
                parser.abortParsing()
            }
        }
        current = nil
    }

    private func base64(_ value: String) -> [UInt8]? {
        guard let bytes = Base64Strict.decode(value) else {
            current?.problems.append("a Base64 value is malformed")
            return nil
        }
        return bytes
    }
}
