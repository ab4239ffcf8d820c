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
        var upn = upn
        let lowercaseASCII = upn.withUTF8 { !$0.contains { ($0 >= 0x41 && $0 <= 0x5A) || $0 >= 0x80 } }
        return lowercaseASCII ? upn : upn.lowercased()
    }

    /// What is wrong with a non-empty UPN, as a message with its fix, or nil when it is well formed.
    public static func problem(in upn: String) -> String? {
        var upn = upn
        return upn.withUTF8 { problem(bytes: $0) }
    }

    private static func problem(bytes: UnsafeBufferPointer<UInt8>) -> String? {
        // One pass gathers what the messages need; they keep their order of precedence below.
        var hasSpace = false, hasControl = false, atCount = 0, at = 0
        for index in bytes.indices {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x09 {
                hasSpace = true
            } else if byte < 0x20 || byte == 0x7F {
                hasControl = true
            } else if byte == UInt8(ascii: "@") {
                atCount += 1
                at = index
            }
        }
        if hasSpace { return "upn contains a space; a user principal name has none (name@domain.tld)" }
        if hasControl { return "upn contains a control character; retype it as name@domain.tld" }
        guard atCount == 1 else {
            return atCount == 0
                ? "upn has no '@'; write it as name@domain.tld"
                : "upn has \(atCount) '@' characters; a user principal name has exactly one"
        }
        let local = UnsafeBufferPointer(rebasing: bytes[..<at]), domain = UnsafeBufferPointer(rebasing: bytes[(at + 1)...])
        if local.isEmpty { return "upn has nothing before '@'; write it as name@domain.tld" }
        if local.count > RowRules.maxUPNLocalLength {
            return "upn has \(local.count) characters before '@'; at most \(RowRules.maxUPNLocalLength) are allowed"
        }
        if !allAllowed(local, by: localAllowed) {
            return "upn has a character not allowed before '@' (allowed: A-Z a-z 0-9 ' . - _ ! # ^ ~)"
        }
        if !isDotSeparated(local) {
            return "upn's name part starts or ends with '.' or has '..'; fix the name before '@'"
        }
        if !domain.contains(UInt8(ascii: ".")) || !isDotSeparated(domain) || !allAllowed(domain, by: domainAllowed) {
            return "upn's domain '\(String(decoding: domain.prefix(64), as: UTF8.self))' is not a domain name like contoso.com"
        }
        return nil
    }

    /// The table is borrowed once per call: indexing the global array per byte cost ten times the check.
    private static func allAllowed(_ bytes: UnsafeBufferPointer<UInt8>, by table: [Bool]) -> Bool {
        table.withUnsafeBufferPointer { allowed in bytes.allSatisfy { allowed[Int($0)] } }
    }

    /// Non-empty, no '.' first or last, no '..'.
    private static func isDotSeparated(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let dot = UInt8(ascii: ".")
        guard let first = bytes.first, let last = bytes.last, first != dot, last != dot else { return false }
        var previous: UInt8 = 0
        for byte in bytes {
            if byte == dot, previous == dot { return false }
            previous = byte
        }
        return true
    }
}
