import COpenSSL
import OATHCore
import Foundation

/// The store's 256-bit master key, kept in its own file (mode 0600), never in the database.
public final class MasterKey: @unchecked Sendable {
    // @unchecked: immutable after init; the bytes are wiped on release.
    public static let length = 32
    private var bytes: [UInt8]

    init(bytes: [UInt8]) { self.bytes = bytes }

    deinit { OPENSSL_cleanse(&bytes, bytes.count) }

    func withBytes<R>(_ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }

    /// Why a key file could not be created or read.
    public enum FileError: Error, Equatable, CustomStringConvertible {
        case exists(path: String)
        case missing(path: String)
        case unreadable(path: String, reason: String)
        case wrongSize(path: String, size: Int)
        case tooOpen(path: String, mode: Int)
        case cannotCreate(path: String, reason: String)

        public var description: String {
            switch self {
            case let .exists(path): "a key file already exists at \(path); oathctl never overwrites a key (move it away first if you really mean to)"
            case let .missing(path): "no master key at \(path); run 'oathctl init' first, or point --key-file / OATHCTL_KEY_FILE at the key"
            case let .unreadable(path, reason): "cannot read the master key \(path): \(reason)"
            case let .wrongSize(path, size): "the master key \(path) is \(size) bytes; a key file holds exactly \(MasterKey.length) bytes, or \(MasterKey.length * 2) hex digits and a newline ('openssl rand -hex 32'): the file is truncated or not a key"
            case let .tooOpen(path, mode): "the master key \(path) has mode \(String(mode, radix: 8)); others could read it. Run: chmod 600 \(path)"
            case let .cannotCreate(path, reason): "cannot create the master key \(path): \(reason)"
            }
        }
    }

    /// Writes a fresh random key to `path` with mode 0600, refusing to overwrite an existing file.
    public static func create(at path: String) throws(FileError) -> MasterKey {
        var bytes = [UInt8](repeating: 0, count: length)
        guard RAND_bytes(&bytes, Int32(length)) == 1 else { throw .cannotCreate(path: path, reason: "libcrypto has no entropy") }
        makePrivateParentDirectory(of: path)
        let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd < 0 {
            if errno == EEXIST { throw .exists(path: path) }
            throw .cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
        defer { _ = Glibc.close(fd) }
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, length) }
        guard written == length, fchmod(fd, 0o600) == 0, fsync(fd) == 0 else {
            unlink(path)
            throw .cannotCreate(path: path, reason: String(cString: strerror(errno)))
        }
        return MasterKey(bytes: bytes)
    }

    /// Reads the key at `path`; refuses a file that group or others may read.
    public static func load(from path: String) throws(FileError) -> MasterKey {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { throw .missing(path: path) }
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        let mode = Int(info.st_mode & 0o777)
        if mode & 0o077 != 0 { throw .tooOpen(path: path, mode: mode) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: "permission denied or not a file")
        }
        var bytes = Array(data)
        defer { OPENSSL_cleanse(&bytes, bytes.count) }
        if bytes.count == length { return MasterKey(bytes: bytes) }
        guard let key = fromHex(bytes) else { throw .wrongSize(path: path, size: data.count) }
        return MasterKey(bytes: key)
    }

    /// The key of a file holding 64 hex digits and an optional line end (`openssl rand -hex 32 > key`).
    private static func fromHex(_ bytes: [UInt8]) -> [UInt8]? {
        var text = bytes[...]
        if text.last == 0x0A { text = text.dropLast() }
        if text.last == 0x0D { text = text.dropLast() }
        guard text.count == length * 2 else { return nil }
        return try? Hex.decode(utf8: text)
    }

    /// A key from bytes already in memory (tests).
    public static func forTesting(_ bytes: [UInt8]) -> MasterKey {
        precondition(bytes.count == length)
        return MasterKey(bytes: bytes)
    }
}

/// Creates the folder a store or key file goes in, readable by its owner only, when it is missing.
/// A failure is left to the file's own creation, which then says what went wrong.
public func makePrivateParentDirectory(of path: String) {
    try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                             withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
}
