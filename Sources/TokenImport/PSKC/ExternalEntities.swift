import Foundation

/// References to external entities (`<!ENTITY xxe SYSTEM "file:///etc/hosts">`), removed before parsing.
///
/// oathctl never loads an external entity (XXE). FoundationXML, meeting a reference it does not
/// resolve, then drops the next run of text it was going to deliver (it takes it for the entity's
/// replacement text), so `<Manufacturer>&xxe;</Manufacturer><SerialNo>1</SerialNo>` read with
/// no serial. With the references taken out, the field that held one is empty and its
/// neighbours read as written. PSKC has no use for entities; files that declare one are hostile
/// or odd, and small.
enum ExternalEntities {
    /// True when the bytes declare an external entity.
    static func declared(in bytes: [UInt8]) -> Bool {
        guard bytes.count >= 8 else { return false }
        return !names(in: String(decoding: bytes, as: UTF8.self)).isEmpty
    }

    /// The document with every reference to a declared external entity removed.
    static func referencesRemoved(_ data: Data) -> Data {
        var text = String(decoding: data, as: UTF8.self)
        for name in names(in: text) { text = text.replacingOccurrences(of: "&\(name);", with: "") }
        return Data(text.utf8)
    }

    /// Names of entities declared `SYSTEM` or `PUBLIC`.
    private static func names(in text: String) -> [String] {
        guard text.contains("<!ENTITY"),
              let pattern = try? NSRegularExpression(pattern: #"<!ENTITY\s+(?!%)([A-Za-z_:][A-Za-z0-9_:.-]*)\s+(SYSTEM|PUBLIC)\b"#) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return pattern.matches(in: text, range: range).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }
}
