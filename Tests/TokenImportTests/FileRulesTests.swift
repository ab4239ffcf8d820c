import Testing
@testable import TokenImport

@Suite struct FileRulesTests {
    @Test func fiveMethodsPerUserEveryLaterRowRejected() throws {
        let rows = (1...8).map { row($0 % 2 == 0 ? "Ivan@contoso.com" : "ivan@CONTOSO.com", "S\($0)") }
        let outcome = try validate(uploadFile(rows))
        #expect(outcome.accepted.map(\.serial) == ["S1", "S2", "S3", "S4", "S5"])
        #expect(outcome.findings.map(\.line) == [7, 8, 9])
        #expect(Set(outcome.codes) == [.userTokenLimit])
    }

    @Test func limitCountsWhatTheStoreHolds() throws {
        let store = FakeStore(counts: ["ivan@contoso.com": 3])
        let outcome = try validate(uploadFile((1...4).map { row("ivan@contoso.com", "S\($0)") }), store: store)
        #expect(outcome.accepted.count == 2)
        #expect(outcome.codes == [.userTokenLimit, .userTokenLimit])
    }

    @Test func rejectedRowsDoNotUseASlot() throws {
        var rows = (1...4).map { row("ivan@contoso.com", "S\($0)") }
        rows.append("ivan@contoso.com,S5,\(goodSecret),45,Contoso,Key")
        rows.append(row("ivan@contoso.com", "S6"))
        let outcome = try validate(uploadFile(rows))
        #expect(outcome.accepted.map(\.serial) == ["S1", "S2", "S3", "S4", "S6"])
    }

    @Test func aTokenBelongsToOneUser() throws {
        let outcome = try validate(uploadFile([row("a@contoso.com", "S1"), row("b@contoso.com", "S1"), row("A@contoso.com", "S1")]))
        #expect(outcome.accepted.count == 1)
        #expect(outcome.codes(line: 3) == [.tokenMultipleUsers])
        #expect(outcome.codes(line: 4) == [.serialDuplicate])
        #expect(outcome.findings[0].message.contains("line 2"))
    }

    @Test func duplicateOfARejectedRowIsStillFound() throws {
        let outcome = try validate(uploadFile(["a@contoso.com,S1,\(goodSecret),45,Contoso,Key", row("a@contoso.com", "S1")]))
        #expect(outcome.codes(line: 3) == [.serialDuplicate])
    }

    @Test func storeOwnerIsRespected() throws {
        let store = FakeStore(owners: ["S1": "bob@contoso.com", "S2": "Alice@contoso.com", "S3": nil])
        let outcome = try validate(uploadFile([row("alice@contoso.com", "S1"), row("alice@contoso.com", "S2"),
                                               row("alice@contoso.com", "S3"), row("", "S1")]), store: store)
        #expect(outcome.codes(line: 2) == [.tokenAssignedElsewhere])
        #expect(outcome.codes(line: 3).isEmpty)
        #expect(outcome.codes(line: 4).isEmpty)
        #expect(outcome.codes(line: 5) == [.serialDuplicate])
        #expect(outcome.findings[0].message.contains("bob@contoso.com"))
    }

    @Test func tokenAlreadyHeldByTheSameUserDoesNotCountTwice() throws {
        let store = FakeStore(owners: ["S1": "ivan@contoso.com"], counts: ["ivan@contoso.com": 5])
        let outcome = try validate(uploadFile([row("ivan@contoso.com", "S1"), row("ivan@contoso.com", "S2")]), store: store)
        #expect(outcome.codes(line: 2).isEmpty)
        #expect(outcome.codes(line: 3) == [.userTokenLimit])
    }
}

@Suite struct StoreActionTests {
    @Test func sameSerialUserAndSecretIsUnchanged() throws {
        let store = FakeStore(owners: ["S1": "a@contoso.com", "S2": nil, "S3": "a@contoso.com"], otherSecret: ["S3"])
        let outcome = try validate(uploadFile([row("A@contoso.com", "S1"), row("a@contoso.com", "S2"), row("a@contoso.com", "S3"),
                                               row("a@contoso.com", "S4")]), store: store)
        #expect(outcome.accepted.map(\.storeAction) == [.unchanged, .assign, .add])
        #expect(outcome.codes(line: 4) == [.secretConflict])
        #expect(!outcome.findings[0].message.contains(goodSecret))
    }
}
