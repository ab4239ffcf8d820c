import Testing
@testable import OATHCore

@Suite struct HexTests {
    @Test func decodesBothCases() throws {
        #expect(try Hex.decode(utf8: Array("00ff10Ab".utf8)) == [0x00, 0xFF, 0x10, 0xAB])
        #expect(Hex.encode([0x00, 0xFF, 0x10, 0xAB]) == "00ff10ab")
    }

    @Test func refusesBadInput() {
        #expect(throws: Hex.DecodingError.oddLength(3)) { try Hex.decode(utf8: Array("abc".utf8)) }
        #expect(throws: Hex.DecodingError.invalidCharacter(position: 2)) { try Hex.decode(utf8: Array("0g".utf8)) }
        #expect(throws: Hex.DecodingError.empty) { try Hex.decode(utf8: [UInt8]()) }
    }
}
