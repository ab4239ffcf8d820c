import Foundation

/// Where the bytes of a token file come from, read in bounded chunks so a file of any size streams.
public protocol ByteSource {
    /// Fills `buffer` with the next chunk (a source may reuse the buffer it is given); an empty buffer means the end.
    mutating func read(into buffer: inout [UInt8]) throws(ByteSourceError)
    /// The number of bytes to come, when known (a file's size), to size tables once.
    var sizeHint: Int? { get }
}

extension ByteSource {
    public var sizeHint: Int? { nil }
}

/// Why a token file could not be read.
public enum ByteSourceError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case notARegularFile(path: String)
    case readFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, reason): "cannot open \(path): \(reason)"
        case let .notARegularFile(path): "\(path) is not a regular file (a directory, device or pipe); give the path of a CSV file"
        case let .readFailed(path, reason): "reading \(path) failed: \(reason)"
        }
    }
}

/// A file read with POSIX `read` in 1 MiB chunks: memory stays flat whatever the file's size.
public struct FileByteSource: ByteSource {
    public static let chunkSize = 1 << 20
    public let path: String
    private let descriptor: Int32

    /// Opens a regular file (symbolic links are followed; directories, devices and pipes are refused).
    ///
    /// Opened non-blocking first, so a named pipe with no writer is refused instead of hanging.
    public init(path: String) throws(ByteSourceError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            _ = Glibc.close(fd)
            throw .notARegularFile(path: path)
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        self.path = path
        descriptor = fd
    }

    public var sizeHint: Int? {
        var info = stat()
        return fstat(descriptor, &info) == 0 ? Int(info.st_size) : nil
    }

    /// Closes the file. Call once when done.
    public func close() { _ = Glibc.close(descriptor) }

    public mutating func read(into buffer: inout [UInt8]) throws(ByteSourceError) {
        let fd = descriptor
        var failure: Int32 = 0
        // A full chunk's buffer is reused as it is by the next call (the read overwrites it);
        // only after a short read is a chunk-sized one made again.
        if buffer.count != Self.chunkSize { buffer = [UInt8](repeating: 0, count: Self.chunkSize) }
        let count = buffer.withUnsafeMutableBytes { raw -> Int in
            while true {
                let n = Glibc.read(fd, raw.baseAddress, Self.chunkSize)
                if n >= 0 { return n }
                if errno == EINTR { continue }
                failure = errno
                return 0
            }
        }
        if failure != 0 { throw .readFailed(path: path, reason: String(cString: strerror(failure))) }
        buffer.removeLast(Self.chunkSize - count)
    }
}

/// Bytes already in memory (tests, small inputs).
public struct MemoryByteSource: ByteSource {
    private var remaining: ArraySlice<UInt8>
    private let chunkSize: Int

    /// - Parameter chunkSize: small values exercise records split across chunks.
    public init(_ bytes: [UInt8], chunkSize: Int = 1 << 16) {
        remaining = bytes[...]
        self.chunkSize = max(1, chunkSize)
    }

    public init(_ text: String, chunkSize: Int = 1 << 16) { self.init(Array(text.utf8), chunkSize: chunkSize) }

    public mutating func read(into buffer: inout [UInt8]) throws(ByteSourceError) {
        buffer.removeAll(keepingCapacity: true)
        let take = remaining.prefix(chunkSize)
        buffer.append(contentsOf: take)
        remaining = remaining.dropFirst(take.count)
    }
}
