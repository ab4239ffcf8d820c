import Foundation
import TokenImport

/// Refuses, before anything is written, an output path that names a file the command must not
/// destroy: its input, the store (and its journal, WAL and shared-memory files), the master key,
/// or another output of the same run.
///
/// Files are compared by identity, not spelling: the device and inode of an existing file (after
/// links), and for a file not there yet the real path of its folder plus its name.
struct OutputGuard {
    /// What each protected file is (for the message) and its path.
    private(set) var protected: [(what: String, path: String)] = []

    /// Protects the input of a file command (standard input has no path to protect).
    mutating func protect(input path: String) { protected.append(("the input file", path)) }

    /// Protects a store, its SQLite side files and its key.
    mutating func protect(store: String, key: String) {
        protected.append(("the token store", store))
        for suffix in ["-wal", "-shm", "-journal"] { protected.append(("the token store's \(suffix.dropFirst()) file", store + suffix)) }
        protected.append(("the master key", key))
    }

    /// Throws `CLIError` (exit 2) when an output names a protected file, another output, or something not a regular file.
    func check(_ outputs: [(flag: String, path: String)]) throws {
        for (index, output) in outputs.enumerated() {
            if let problem = OutputFile.unusableTarget(output.path) {
                throw CLIError("\(output.flag) \(output.path) cannot be written: \(problem)")
            }
            let identity = FileIdentity(output.path)
            for (what, path) in protected where identity == FileIdentity(path) {
                throw CLIError("\(output.flag) \(output.path) names \(what) (\(path)); writing there would destroy it: choose another path")
            }
            for other in outputs[..<index] where identity == FileIdentity(other.path) {
                throw CLIError("\(output.flag) and \(other.flag) name the same file (\(output.path)); give each its own path")
            }
        }
    }
}

/// Where a path leads: its real location, and the file there if one exists.
struct FileIdentity: Equatable {
    let canonicalPath: String
    let device: UInt64?
    let inode: UInt64?

    init(_ path: String) {
        var info = stat()
        if stat(path, &info) == 0 {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        } else {
            device = nil
            inode = nil
        }
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let realFolder = realpath(folder, nil).map { pointer in
            defer { free(pointer) }
            return String(cString: pointer)
        } ?? folder
        canonicalPath = realFolder + "/" + url.lastPathComponent
    }

    /// One file: the same existing inode, or the same place for a file not yet there.
    static func == (a: FileIdentity, b: FileIdentity) -> Bool {
        if let inode = a.inode, inode == b.inode, a.device == b.device { return true }
        return a.canonicalPath == b.canonicalPath
    }
}
