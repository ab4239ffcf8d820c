import PostgresNIO
import TokenDomain

// The hot path's fixed statements, prepared once per connection: the server parses and plans
// them once instead of at every request (parsing was the server's largest cost in the profile).

/// The operator holding an API key, by the key's digest: every request a program makes.
struct OperatorByVerifier: PostgresPreparedStatement {
    static let sql = "SELECT \(PostgresStore.operatorColumns) FROM operator WHERE verifier = $1"
    static let bindingDataTypes: [PostgresDataType] = [.text]
    let verifier: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(verifier)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> OperatorRecord { try PostgresStore.operatorRecord(row) }
}

/// A sign-in check's facts: the user's activated tokens with their seeds and check state, and the
/// policy. The policy row comes even when the user has none (the token columns are then NULL).
struct SignInFacts: PostgresPreparedStatement {
    static let sql = """
        SELECT t.*, p.keys, p.vals
        FROM (SELECT array_agg(key) AS keys, array_agg(value) AS vals FROM policy) p
        LEFT JOIN LATERAL (SELECT \(PostgresStore.tokenColumns), sealed_secret, first_failure_at, serial_key FROM token
                           WHERE user_key = $1 AND status = 'activated') t ON true
        ORDER BY t.serial_key
        """
    static let bindingDataTypes: [PostgresDataType] = [.text]
    let userKey: String

    struct Row {
        var token: TokenRecord?
        var keys: [String]
        var values: [Int64]
    }

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 1)
        bindings.append(userKey)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row {
        let columns = row.makeRandomAccess()
        return Row(token: try columns[0].decode(String?.self) == nil ? nil : try PostgresStore.record(row),
                   keys: try columns[18].decode([String]?.self) ?? [], values: try columns[19].decode([Int64]?.self) ?? [])
    }
}
