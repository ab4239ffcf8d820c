import TokenDomain

extension TokenService {
    /// Changes one setting; refused outside the setting's range. Audited with the old and new values.
    public func setPolicy(_ setting: Policy.Setting, to value: Int, context: OperationContext) async throws {
        guard setting.range.contains(value) else {
            throw StoreError.invalidPolicy("\(setting.rawValue) must be within \(setting.range.lowerBound)...\(setting.range.upperBound)")
        }
        try await transaction(context) { facts, stamp in
            Decision(changes: [.setPolicy(setting, value)],
                     audit: [stamp.entry(.policySet(setting, from: facts.policy[setting], to: value))], result: ())
        }
    }
}
