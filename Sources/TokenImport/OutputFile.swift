import Foundation

/// A file oathctl writes (error report, rejects, converted or exported tokens), written beside its
/// target and renamed into place on `commit()`.
///
/// The target is never opened: a symbolic link there is replaced, not followed; a FIFO, device or
/// directory is refused before anything is written (opening a FIFO hangs, writing `/dev/null`
/// as root changed its mode). A reader never sees half a file, and a failed run leaves the
/// target as it was. The temporary file gets its final mode at creation (`fchmod` right after
/// `mkstemp`), so a file holding seeds is never readable by others, whatever the umask.
public final class OutputFile {
    public let path: String
    private let temporaryPath: String
    private var descriptor: Int32
    private var finished = false

    /// Creates the temporary file in the target's folder.
    /// - Throws: `OutputFileError` when the target exists and is not a regular file, or the folder is not writable.
    public init(path: String, permissions: mode_t) throws(OutputFileError) {
        if let problem = OutputFile.unusableTarget(path) { throw OutputFileError(path: path, reason: problem) }
        let folder = (path as NSString).deletingLastPathComponent
        var template = Array(((folder.isEmpty ? "." : folder) + "/.oathctl-output-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw OutputFileError(path: path, reason: String(cString: strerror(errno))) }
        temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard fchmod(fd, permissions) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = Glibc.close(fd)
            unlink(temporaryPath)
            throw OutputFileError(path: path, reason: reason)
        }
        self.path = path
        descriptor = fd
    }

    deinit { discard() }

    /// Why `path` cannot be written, or nil: it exists and is not a regular file (links are not followed).
    public static func unusableTarget(_ path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return nil
        case S_IFLNK: return "it is a symbolic link; oathctl does not write through links: give the real path"
        case S_IFDIR: return "it is a directory; give a file name"
        case S_IFIFO: return "it is a FIFO; oathctl writes regular files only"
        default: return "it is a device or socket; oathctl writes regular files only"
        }
    }

    /// Appends bytes to the temporary file.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw OutputFileError(path: path, reason: String(cString: strerror(errno)))
            }
            offset += written
        }
    }

    /// Flushes the file to disk and renames it over the target (refused again if the target became a non-file meanwhile).
    public func commit() throws(OutputFileError) {
        guard !finished else { return }
        if let problem = Self.unusableTarget(path) {
            discard()
            throw OutputFileError(path: path, reason: problem)
        }
        let synced = fsync(descriptor) == 0
        let reason = String(cString: strerror(errno))
        _ = Glibc.close(descriptor)
        finished = true
        guard synced, rename(temporaryPath, path) == 0 else {
            let failure = synced ? String(cString: strerror(errno)) : reason
            unlink(temporaryPath)
            throw OutputFileError(path: path, reason: failure)
        }
    }

    /// Removes the temporary file; the target is left as it was.
    public func discard() {
        guard !finished else { return }
        finished = true
        _ = Glibc.close(descriptor)
        unlink(temporaryPath)
    }
}

/// An output file could not be written.
public struct OutputFileError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "cannot write \(path): \(reason)" }
}
