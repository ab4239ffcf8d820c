import PropertyBased
import Testing
@testable import OATHCore

@Suite struct Base32Tests {
    @Test("RFC 4648 section 10 vectors, both directions", arguments: Vectors.table("rfc4648_base32.tsv"))
    func rfc4648(row: [String: String]) throws {
        let plain = Array(row["plain"]!.utf8)
        let published = row["base32"]!
        #expect(Base32.encode(plain, padding: true) == published)
        let strict = Base32.normalize(published).text
        if plain.isEmpty {
            #expect(throws: Base32.DecodingError.empty) { try Base32.decode(strict) }
        } else {
            #expect(try Base32.decode(strict) == plain)
        }
    }

    @Test func encodesWithoutPaddingByDefault() {
        #expect(Base32.encode(Array("foobar".utf8)) == "MZXW6YTBOI")
    }

    @Test func lowercaseIsAccepted() throws {
        #expect(try Base32.decode("mzxw6ytboi") == Array("foobar".utf8))
    }

    /// `decodedCount(validating:)` gives exactly the verdict and length of `decode` (RFC 4648 vectors and random text).
    @Test func decodedCountAgreesWithDecode() async {
        for text in ["", "MY", "MZXQ", "MZXW6", "MZXW6YQ", "MZXW6YTB", "MZXW6YTBOI", "M", "MZX", "MZXW6Y", "mzxw6ytboi", "MZXW6YTBOI=", "01"] {
            let bytes = Array(text.utf8)
            let count = bytes.withUnsafeBufferPointer { Base32.decodedCount(validating: $0) }
            #expect(count == (try? Base32.decode(utf8: bytes, maxLength: nil))?.count, "\(text)")
        }
        let alphabet = Array("AZaz27=018 é".utf8)
        await propertyCheck(count: 2000, input: Gen.int(in: 0...(alphabet.count - 1)).array(of: 0...40)) { picks in
            let bytes = picks.map { alphabet[$0] }
            let count = bytes.withUnsafeBufferPointer { Base32.decodedCount(validating: $0) }
            #expect(count == (try? Base32.decode(utf8: bytes, maxLength: nil))?.count)
        }
    }

    @Test func emptyIsRefused() {
        #expect(throws: Base32.DecodingError.empty) { try Base32.decode("") }
    }

    @Test func documentedSampleSecretIsRefusedWithHexHint() {
        // The upload documentation's sample secret contains '1', which Base32 does not have.
        #expect(throws: Base32.DecodingError.invalidCharacter(UInt8(ascii: "1"), position: 1, looksLikeHex: true)) {
            try Base32.decode("1234567abcdef1234567abcdef")
        }
        let error = Base32.DecodingError.invalidCharacter(UInt8(ascii: "1"), position: 1, looksLikeHex: true)
        #expect(error.description.contains("looks like a hex seed"))
    }

    @Test func paddingAndSpacesAreRefusedInStrictProfile() {
        #expect(throws: Base32.DecodingError.invalidCharacter(UInt8(ascii: "="), position: 3, looksLikeHex: false)) {
            try Base32.decode("MY======")
        }
        #expect(throws: Base32.DecodingError.invalidCharacter(UInt8(ascii: " "), position: 5, looksLikeHex: false)) {
            try Base32.decode("MZXW 6YTB")
        }
    }

    @Test func lengthRules() {
        #expect(throws: Base32.DecodingError.tooLong(length: 136, maximum: 128)) {
            try Base32.decode(String(repeating: "A", count: 136))
        }
        #expect(throws: Never.self) { try Base32.decode(String(repeating: "A", count: 128)) }
        for impossible in [1, 3, 6, 9, 11, 14] {
            #expect(throws: Base32.DecodingError.impossibleLength(impossible)) {
                try Base32.decode(String(repeating: "A", count: impossible))
            }
        }
    }

    @Test func errorDescriptionsNeverQuoteTheText() {
        let secret = "GEZDGNBVGY3TQOJQ1EZDGNBVGY3TQOJQ"
        do {
            _ = try Base32.decode(secret)
            Issue.record("expected a failure")
        } catch {
            #expect(!error.description.contains("GEZDGNBV"))
            #expect(error == .invalidCharacter(UInt8(ascii: "1"), position: 17, looksLikeHex: false))
        }
    }

    @Test func lenientNormaliserReportsWhatItChanged() {
        let n = Base32.normalize("gezd gnbv-gy3t====")
        #expect(n.text == "GEZDGNBVGY3T")
        #expect(n.removedSpaces == 1 && n.removedDashes == 1 && n.removedPadding == 4 && n.uppercased)
        #expect(n.summary == "removed 1 space(s), removed 1 dash(es), removed 4 '=' padding character(s), uppercased")
        #expect(Base32.normalize("GEZDGNBV").isUnchanged)
    }

    @Test func roundTripOverRandomBytes() async {
        await propertyCheck(count: 500, input: Gen.uint8().array(of: 1...80)) { bytes in
            let text = Base32.encode(bytes)
            #expect((try? Base32.decode(text, maxLength: nil)) == bytes)
            #expect((try? Base32.decode(text.lowercased(), maxLength: nil)) == bytes)
        }
    }

    @Test func decoderNeverCrashesOnArbitraryBytes() async {
        await propertyCheck(count: 2000, input: Gen.uint8().array(of: 0...200)) { bytes in
            switch Result(catching: { () throws(Base32.DecodingError) in try Base32.decode(utf8: bytes) }) {
            case let .success(decoded):
                #expect(decoded.count == bytes.count * 5 / 8)
            case let .failure(error):
                #expect(!error.description.isEmpty)
            }
        }
    }
}
