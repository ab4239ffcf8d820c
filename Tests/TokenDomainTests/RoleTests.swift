import Testing
import TokenDomain

/// The role table the server enforces: least privilege, written once.
@Suite struct RoleTests {
    @Test func eachRoleMayDoExactlyItsWork() {
        func allowed(_ role: Role) -> Set<Permission> { Set(Permission.allCases.filter(role.allows)) }
        #expect(allowed(.admin) == Set(Permission.allCases))
        #expect(allowed(.verifier) == [.verifySignIn])
        #expect(allowed(.helpdesk) == [.findByCode, .readTokens, .assign, .activate, .unlock, .readTokenAudit])
        #expect(allowed(.auditor) == [.readTokens, .readTokenAudit, .readAudit, .readMetrics])
        for role in [Role.helpdesk, .auditor, .verifier] {
            for permission in [Permission.importTokens, .deleteTokens, .changePolicy, .manageOperators] {
                #expect(!role.allows(permission), "\(role) may \(permission)")
            }
        }
    }

    @Test(arguments: [
        ("alice", nil), ("vpn-gateway.eu_1@corp", nil), ("0day", nil),
        ("", "the operator name is empty"), ("Alice", "the operator name must start with a lower-case letter or a digit"),
        ("-x", "the operator name must start with a lower-case letter or a digit"),
        ("al ice", "the operator name may hold only a-z, 0-9, '.', '_', '-' and '@'"),
        ("ali\u{200B}ce", "the operator name may hold only a-z, 0-9, '.', '_', '-' and '@'"),
        (String(repeating: "a", count: 65), "the operator name is longer than 64 characters"),
    ] as [(String, String?)])
    func operatorNames(name: String, problem: String?) {
        #expect(Operator.problem(inName: name) == problem)
    }

    @Test func aLockedOrDisabledOperatorMayNotAct() {
        let account = Operator(name: "a", role: .admin, kind: .person, createdAt: 0, updatedAt: 0)
        #expect(account.mayAct(at: 100))
        var locked = account
        locked.lockedUntil = 200
        #expect(!locked.mayAct(at: 100) && locked.mayAct(at: 200))
        var disabled = account
        disabled.disabled = true
        #expect(!disabled.mayAct(at: 100))
    }
}
