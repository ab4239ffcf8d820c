import ArgumentParser
import TokenDomain
import TokenService

extension Oathctl {
    /// `oathctl assign SERIAL UPN`.
    struct Assign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Give a token to a user (refused if someone else holds it, or the user already has five methods).")

        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The token's serial number.") var serial: String
        @Argument(help: "The user principal name.") var upn: String

        func run() async throws {
            let service = try await storeOptions.open()
            try await storeOperation { try await service.assign(serial: serial, to: upn, context: storeOptions.context) }
            print("Assigned \(serial) to \(upn)")
        }
    }

    /// `oathctl unassign SERIAL`.
    struct Unassign: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Return a token to the inventory (status available).")

        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The token's serial number.") var serial: String

        func run() async throws {
            let service = try await storeOptions.open()
            try await storeOperation { try await service.unassign(serial: serial, context: storeOptions.context) }
            print("Unassigned \(serial); it is available again")
        }
    }

    /// `oathctl delete SERIAL`.
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a token from the store (an assigned one only with --force).")

        @OptionGroup var storeOptions: StoreOptions
        @Argument(help: "The token's serial number.") var serial: String
        @Flag(help: "Delete even if the token is assigned.") var force = false

        func run() async throws {
            let service = try await storeOptions.open()
            try await storeOperation { try await service.delete(serial: serial, force: force, context: storeOptions.context) }
            print("Deleted \(serial)")
        }
    }
}
