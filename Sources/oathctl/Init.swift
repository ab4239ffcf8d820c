import ArgumentParser
import Foundation
import TokenStore

extension Oathctl {
    /// `oathctl init`: a new store and its master key.
    struct Init: ParsableCommand {
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

        func run() throws {
            let now = try Clock.now()
            do {
                let key = useExistingKey ? try MasterKey.load(from: storeOptions.keyPath) : try MasterKey.create(at: storeOptions.keyPath)
                _ = try TokenStore.create(path: storeOptions.storePath, key: key, actor: storeOptions.actorName, now: { Int64(now) })
            } catch let error as MasterKey.FileError {
                throw CLIError(error.description).exit()
            } catch let error as StoreError {
                throw CLIError(error.description).exit()
            }
            print("Created store \(storeOptions.storePath)")
            print(useExistingKey ? "Using key \(storeOptions.keyPath)" : "Created key \(storeOptions.keyPath) (0600; back it up, keep it apart from the store)")
        }
    }
}
