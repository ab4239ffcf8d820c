/// User principal names as the upload accepts them: `name@domain.tld`.
///
/// Checked over UTF-8 bytes with lookup tables: this runs on every row of large files.
public enum UPN {
    /// Bytes allowed before `@` (Microsoft Entra's UPN rules: A-Z a-z 0-9 ' . - _ ! # ^ ~).
    static let localAllowed = table("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'.-_!#^~")
    static let domainAllowed = table("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-")

    private static func table(_ characters: String) -> [Bool] {
        var table = [Bool](repeating: false, count: 256)
        for byte in characters.utf8 { table[Int(byte)] = true }
        return table
    }

    /// The user as compared: case-insensitively, as directories compare UPNs.
    ///
    /// Most UPNs are lowercase ASCII already, and are returned as they are rather than copied:
    /// this runs for every row of an import.
    public static func key(_ upn: String) -> String {
        upn.utf8.contains { ($0 >= 0x41 && $0 <= 0x5A) || $0 >= 0x80 } ? upn.lowercased() : upn
    }

    /// What is wrong with a non-empty UPN, as a message with its fix, or nil when it is well formed.
    public static func problem(in upn: String) -> String? {
        var upn = upn
        return upn.withUTF8 { problem(bytes: $0) }
    }

    private static func problem(bytes: UnsafeBufferPointer<UInt8>) -> String? {
        if bytes.contains(where: { $0 == 0x20 || $0 == 0x09 }) {
            return "upn contains a space; a user principal name has none (name@domain.tld)"
        }
        if bytes.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            return "upn contains a control character; retype it as name@domain.tld"
        }
        var atCount = 0, at = 0
        for (index, byte) in bytes.enumerated() where byte == UInt8(ascii: "@") {
            atCount += 1
            at = index
        }
        guard atCount == 1 else {
            return atCount == 0
                ? "upn has no '@'; write it as name@domain.tld"
                : "upn has \(atCount) '@' characters; a user principal name has exactly one"
        }
        let local = bytes[..<at], domain = bytes[(at + 1)...]
        if local.isEmpty { return "upn has nothing before '@'; write it as name@domain.tld" }
        if local.count > RowRules.maxUPNLocalLength {
            return "upn has \(local.count) characters before '@'; at most \(RowRules.maxUPNLocalLength) are allowed"
        }
        if !local.allSatisfy({ localAllowed[Int($0)] }) {
            return "upn has a character not allowed before '@' (allowed: A-Z a-z 0-9 ' . - _ ! # ^ ~)"
        }
        let dot = UInt8(ascii: ".")
        if local.first == dot || local.last == dot || zip(local, local.dropFirst()).contains(where: { $0 == dot && $1 == dot }) {
            return "upn's name part starts or ends with '.' or has '..'; fix the name before '@'"
        }
        let wellFormed = domain.contains(dot) && domain.first != dot && domain.last != dot
            && !zip(domain, domain.dropFirst()).contains(where: { $0 == dot && $1 == dot })
        if !wellFormed || !domain.allSatisfy({ domainAllowed[Int($0)] }) {
            return "upn's domain '\(String(decoding: domain.prefix(64), as: UTF8.self))' is not a domain name like contoso.com"
        }
        return nil
    }
}
