import TokenDomain

extension TokenService {
    /// Assigns a token to a user: refused when someone else holds it or the user already holds the
    /// most methods. Assigning a token to its current owner does nothing.
    public func assign(serial: String, to upn: String, context: OperationContext) async throws {
        if let problem = UPN.problem(in: upn) { throw StoreError.invalidUser(problem) }
        try await transaction(context, serial: serial, userKey: UPN.key(upn)) { facts, stamp in
            try Self.assignment(facts, serial: serial, upn: upn, stamp: stamp)
        }
    }

    /// The rules of an assignment, shared with `activate --user` (same transaction, same rules).
    static func assignment(_ facts: TransactionFacts, serial: String, upn: String, stamp: AuditStamp) throws -> Decision<Void> {
        let record = try required(facts, serial: serial)
        if let owner = record.token.upn {
            if UPN.key(owner) == UPN.key(upn) { return Decision(result: ()) }
            throw StoreError.assignedToOther(serial: record.token.serial, upn: owner)
        }
        try requireFreeSlot(facts, upn: upn)
        return Decision(changes: [.assign(serial: record.token.serial, upn: upn)],
                        audit: [stamp.entry(.assigned, serial: record.token.serial, upn: upn)], result: ())
    }

    /// Refuses one more method for a user who already holds the most allowed (`MethodLimit`).
    static func requireFreeSlot(_ facts: TransactionFacts, upn: String) throws {
        if facts.methodCount >= MethodLimit.perUser { throw StoreError.userLimit(upn: upn, limit: MethodLimit.perUser) }
    }

    /// Returns a token to the inventory (`available`), clearing its activation state but not its
    /// replay floor: a code once used is never accepted again.
    public func unassign(serial: String, context: OperationContext) async throws {
        try await transaction(context, serial: serial) { facts, stamp in
            let record = try Self.required(facts, serial: serial)
            guard let owner = record.token.upn else { throw StoreError.notAssigned(serial: record.token.serial) }
            return Decision(changes: [.unassign(serial: record.token.serial)],
                            audit: [stamp.entry(.unassigned, serial: record.token.serial, upn: owner)], result: ())
        }
    }

    /// Deletes a token; an assigned one only with `force`.
    public func delete(serial: String, force: Bool, context: OperationContext) async throws {
        try await transaction(context, serial: serial) { facts, stamp in
            let record = try Self.required(facts, serial: serial)
            if let owner = record.token.upn, !force { throw StoreError.stillAssigned(serial: record.token.serial, upn: owner) }
            return Decision(changes: [.delete(serial: record.token.serial)],
                            audit: [stamp.entry(.deleted(forced: force), serial: record.token.serial, upn: record.token.upn)], result: ())
        }
    }
}
