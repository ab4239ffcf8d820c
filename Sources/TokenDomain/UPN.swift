/// User principal names as the upload accepts them: `name@domain.tld`.
///
/// Lengths follow Microsoft Entra ID's username policy ("Password policies and account
/// restrictions in Microsoft Entra ID", UserPrincipalName): at most 64 characters before `@`,
/// 48 after it, 113 in all. The domain is a DNS name: labels of letters, digits and hyphens, none
/// starting or ending with a hyphen, a top-level label of at least two letters (so no IP literal).
///
/// Checked over UTF-8 bytes with one table of byte classes, OR-ed over each part: this runs on
/// every row of large files, where testing each rule per byte cost more than the CSV parse.
public enum UPN {
    /// The user as compared: case-insensitively, as directories compare UPNs.
    ///
    /// Most UPNs are lowercase ASCII already, and are returned as they are rather than copied:
    /// this runs for every row of an import.
    public static func key(_ upn: String) -> String {
        var upn = upn
        let lowercaseASCII = upn.withUTF8 { !$0.contains { ($0 >= 0x41 && $0 <= 0x5A) || $0 >= 0x80 } }
        return lowercaseASCII ? upn : upn.lowercased()
    }

    /// Calls `body` with an ASCII UPN's key as bytes: the bytes themselves, or a lowercased copy on
    /// the stack when they hold capitals. The clean lane's allocation-free form of `key(_:)`.
    @inlinable
    public static func withKey<R>(ascii upn: UnsafeBufferPointer<UInt8>, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        guard upn.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return try body(upn) }
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: upn.count) { key in
            for (index, byte) in upn.enumerated() { key[index] = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }
            return try body(UnsafeBufferPointer(key))
        }
    }

    /// Longest part before `@`, and after it (Entra's limits, see above; 64 + 1 + 48 = 113 in all).
    public static let maxLocalLength = 64
    public static let maxDomainLength = 48

    /// What is wrong with a non-empty UPN, as a message with its fix, or nil when it is well formed.
    public static func problem(in upn: String) -> String? {
        var upn = upn
        return upn.withUTF8 { problem(bytes: $0) }
    }

    /// `problem(in:)` over a UPN's UTF-8 bytes.
    public static func problem(bytes: UnsafeBufferPointer<UInt8>) -> String? {
        classes.withUnsafeBufferPointer { classes in
            // The classes of all bytes, then of each part: the messages keep their order of precedence.
            func union(_ part: UnsafeBufferPointer<UInt8>) -> UInt8 { part.reduce(0) { $0 | classes[Int($1)] } }
            let all = union(bytes)
            if all & space != 0 { return "upn contains a space; a user principal name has none (name@domain.tld)" }
            if all & control != 0 { return "upn contains a control character; retype it as name@domain.tld" }
            guard let at = bytes.firstIndex(of: UInt8(ascii: "@")) else { return "upn has no '@'; write it as name@domain.tld" }
            let local = UnsafeBufferPointer(rebasing: bytes[..<at]), domain = UnsafeBufferPointer(rebasing: bytes[(at + 1)...])
            let domainClasses = union(domain)
            if domainClasses & atSign != 0 {
                let count = bytes.count { $0 == UInt8(ascii: "@") }
                return "upn has \(count) '@' characters; a user principal name has exactly one"
            }
            if local.isEmpty { return "upn has nothing before '@'; write it as name@domain.tld" }
            if local.count > maxLocalLength {
                return "upn has \(local.count) characters before '@'; at most \(maxLocalLength) are allowed"
            }
            if domain.count > maxDomainLength {
                return "upn has \(domain.count) characters after '@'; at most \(maxDomainLength) are allowed"
            }
            let localClasses = union(local)
            if localClasses & notLocal != 0 {
                return "upn has a character not allowed before '@' (allowed: A-Z a-z 0-9 ' . - _ ! # ^ ~)"
            }
            if localClasses & dot != 0, !isDotSeparated(local) {
                return "upn's name part starts or ends with '.' or has '..'; fix the name before '@'"
            }
            if domainClasses & dot == 0 || domainClasses & notDomain != 0 || !isDotSeparated(domain) {
                return "upn's domain '\(String(decoding: domain.prefix(64), as: UTF8.self))' is not a domain name like contoso.com"
            }
            if let problem = labelProblem(domain, hasHyphen: domainClasses & hyphen != 0) {
                return "upn's domain '\(String(decoding: domain.prefix(64), as: UTF8.self))' \(problem)"
            }
            return nil
        }
    }

    // Byte classes, as bits.
    private static let space: UInt8 = 1, control: UInt8 = 2, atSign: UInt8 = 4, dot: UInt8 = 8
    private static let notLocal: UInt8 = 16, notDomain: UInt8 = 32, hyphen: UInt8 = 64

    /// The class bits of every byte value. Before `@`: A-Z a-z 0-9 ' . - _ ! # ^ ~ (Microsoft Entra's
    /// UPN rules); after it: A-Z a-z 0-9 . -
    private static let classes: [UInt8] = (0...255).map { (value: Int) -> UInt8 in
        let byte = UInt8(value)
        let isAlphanumeric = (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
        var bits: UInt8 = 0
        if byte == 0x20 || byte == 0x09 { bits |= space } else if byte < 0x20 || byte == 0x7F { bits |= control }
        if byte == UInt8(ascii: "@") { bits |= atSign }
        if byte == UInt8(ascii: ".") { bits |= dot }
        if byte == UInt8(ascii: "-") { bits |= hyphen }
        if !(isAlphanumeric || "'.-_!#^~".utf8.contains(byte)) { bits |= notLocal }
        if !(isAlphanumeric || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-")) { bits |= notDomain }
        return bits
    }

    /// What breaks DNS label rules in a dot-separated domain of letters, digits, dots and hyphens,
    /// or nil. Looks at the last label only, and at every label's ends only when the domain has a
    /// hyphen: this runs on every row.
    private static func labelProblem(_ domain: UnsafeBufferPointer<UInt8>, hasHyphen: Bool) -> String? {
        let hyphen = UInt8(ascii: "-"), dot = UInt8(ascii: ".")
        if hasHyphen {
            for (index, byte) in domain.enumerated() where byte == hyphen {
                if index == 0 || index == domain.count - 1 || domain[index - 1] == dot || domain[index + 1] == dot {
                    return hyphenMessage
                }
            }
        }
        var topLength = 0
        for byte in domain.reversed() {
            if byte == dot { break }
            guard (byte | 0x20) >= UInt8(ascii: "a"), (byte | 0x20) <= UInt8(ascii: "z") else { topLength = 0; break }
            topLength += 1
        }
        guard topLength >= 2 else {
            return "does not end in a top-level domain of two or more letters (an IP address is not a domain); write it like contoso.com"
        }
        return nil
    }

    private static let hyphenMessage = "has a label starting or ending with '-'; fix the domain after '@'"

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
