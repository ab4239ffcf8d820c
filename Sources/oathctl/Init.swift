import ArgumentParser
import Foundation
import SecretSealing
import TokenStore
import TokenDomain
import TokenService

extension Oathctl {
    /// `oathctl init`: a new store and its master key.
    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a token store and its 256-bit master key (both files 0600).",
            discussion: """
            The key encrypts every seed in the store (AES-256-GCM). Keep it apart from the store and \
            back it up: without it the seeds cannot be read. An existing key is never overwritten; \
            an existing key is reused for a new store only with --use-existing-key.
            """
        )

        @OptionGroup var storeOptions: StoreOptions

        @Flag(help: "Create the store with the key already at --key-file instead of a new one.")
        var useExistingKey = false

        /// Makes the key and the store together or neither: every check that can fail runs before
        /// the key is written, and a key made here is removed again when the store cannot be made.
        func run() async throws {
            let now = try Clock.now()
            let storePath = storeOptions.storePath, keyPath = storeOptions.keyPath
            if !storeOptions.isPostgres {
                var info = stat()
                if lstat(storePath, &info) == 0 { throw CLIError(StoreError.storeExists(path: storePath).description).exit() }
                if FileIdentity(storePath) == FileIdentity(keyPath) {
                    throw CLIError("--store and --key-file name the same file; keep the key apart from the store").exit()
                }
            }
            var createdKey = false
            do {
                let key: MasterKey
                if useExistingKey {
                    key = try MasterKey.load(from: keyPath)
                } else {
                    key = try MasterKey.create(at: keyPath)
                    createdKey = true
                }
                let context = storeOptions.context
                let entry = AuditStamp(at: Int64(now), actor: context.actor, requestId: context.requestId).entry(.storeCreated)
                let store = try await storeOptions.createRepository(storePath, vault: Vault(key: key), entry: entry)
                await store.close()
            } catch let error as MasterKey.FileError {
                throw CLIError(error.description).exit()
            } catch {
                if createdKey { unlink(keyPath) }
                if let error = error as? StoreError { throw CLIError(error.description).exit() }
                throw error
            }
            print("Created store \(storeOptions.storePath)")
            print(useExistingKey ? "Using key \(storeOptions.keyPath)" : "Created key \(storeOptions.keyPath) (0600; back it up, keep it apart from the store)")
        }
    }
}
