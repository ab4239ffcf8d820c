import Testing
@testable import TokenImport
import TokenDomain

/// Each rule of a user principal name, with the message that names it (first failing rule wins).
@Suite struct UPNTests {
    @Test(arguments: [
        ("helga@contoso.com", nil),
        ("o'neil.h_2-x!#^~@mail.contoso.co.uk", nil),
        ("helga @contoso.com", "upn contains a space; a user principal name has none (name@domain.tld)"),
        ("helga\t@contoso.com", "upn contains a space; a user principal name has none (name@domain.tld)"),
        ("hel\u{1}ga@contoso.com", "upn contains a control character; retype it as name@domain.tld"),
        ("helga@contoso.com\u{7F}", "upn contains a control character; retype it as name@domain.tld"),
        ("helga.contoso.com", "upn has no '@'; write it as name@domain.tld"),
        ("a@b@contoso.com", "upn has 2 '@' characters; a user principal name has exactly one"),
        ("@contoso.com", "upn has nothing before '@'; write it as name@domain.tld"),
        (String(repeating: "a", count: 65) + "@contoso.com", "upn has 65 characters before '@'; at most 64 are allowed"),
        ("hel+ga@contoso.com", "upn has a character not allowed before '@' (allowed: A-Z a-z 0-9 ' . - _ ! # ^ ~)"),
        (".helga@contoso.com", "upn's name part starts or ends with '.' or has '..'; fix the name before '@'"),
        ("helga.@contoso.com", "upn's name part starts or ends with '.' or has '..'; fix the name before '@'"),
        ("hel..ga@contoso.com", "upn's name part starts or ends with '.' or has '..'; fix the name before '@'"),
        ("helga@contoso", "upn's domain 'contoso' is not a domain name like contoso.com"),
        ("helga@", "upn's domain '' is not a domain name like contoso.com"),
        ("helga@.contoso.com", "upn's domain '.contoso.com' is not a domain name like contoso.com"),
        ("helga@contoso.com.", "upn's domain 'contoso.com.' is not a domain name like contoso.com"),
        ("helga@contoso..com", "upn's domain 'contoso..com' is not a domain name like contoso.com"),
        ("helga@con_toso.com", "upn's domain 'con_toso.com' is not a domain name like contoso.com"),
        // Issue 13, point 15: DNS labels, a top-level domain of letters, no IP literal, Entra's lengths.
        ("helga@-contoso.com", "upn's domain '-contoso.com' has a label starting or ending with '-'; fix the domain after '@'"),
        ("helga@contoso-.com", "upn's domain 'contoso-.com' has a label starting or ending with '-'; fix the domain after '@'"),
        ("helga@contoso.c", "upn's domain 'contoso.c' does not end in a top-level domain of two or more letters (an IP address is not a domain); write it like contoso.com"),
        ("helga@10.0.0.1", "upn's domain '10.0.0.1' does not end in a top-level domain of two or more letters (an IP address is not a domain); write it like contoso.com"),
        ("helga@[10.0.0.1]", "upn's domain '[10.0.0.1]' is not a domain name like contoso.com"),
        ("helga@contoso.c0m", "upn's domain 'contoso.c0m' does not end in a top-level domain of two or more letters (an IP address is not a domain); write it like contoso.com"),
        ("helga@my-contoso.co.uk", nil),
        ("helga@" + String(repeating: "a", count: 45) + ".com", "upn has 49 characters after '@'; at most 48 are allowed"),
        (String(repeating: "a", count: 64) + "@" + String(repeating: "b", count: 44) + ".com", nil),
    ] as [(String, String?)])
    func problem(upn: String, message: String?) {
        #expect(UPN.problem(in: upn) == message)
    }

    @Test func keyLowercasesOnlyWhenNeeded() {
        #expect(UPN.key("helga@contoso.com") == "helga@contoso.com")
        #expect(UPN.key("Helga@Contoso.COM") == "helga@contoso.com")
        #expect(UPN.key("HÉLGA@contoso.com") == "hélga@contoso.com")
    }
}
