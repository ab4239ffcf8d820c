import Foundation
import Hummingbird
import TokenImport

/// An uploaded token file, streamed from the request body into a private (0600) temporary file
/// and never held whole in memory; removed when the request is done. A pass reads its input more
/// than once (its format, its digest, its rows), as the command line's spooled standard input.
final class UploadSpool: Sendable {
    let path: String
    /// The file's SHA-256 (lowercase hex), for the batch record.
    let sha256: String

    private init(path: String, sha256: String) {
        self.path = path
        self.sha256 = sha256
    }

    deinit { unlink(path) }

    /// Spools `request`'s body; 413 past `limit` bytes (told by `Content-Length` before reading).
    static func receive(_ request: Request, limit: Int) async throws -> UploadSpool {
        let tooLarge = APIError(.contentTooLarge, code: "upload_too_large",
                                message: "the file is larger than the server takes (\(limit / (1 << 20)) MiB, --max-upload-mb); split it")
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw tooLarge }
        var template = Array((NSTemporaryDirectory() + "/oathctl-upload-XXXXXX").utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw APIError.spool(errno) }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let digest = SHA256Digest()
        do {
            defer { close(fd) }
            let received = try await copy(request.body, to: fd, limit: limit, digest: digest, tooLarge: tooLarge)
            guard received > 0 else {
                throw APIError(.badRequest, code: "upload_empty", message: "the request has no body: send the token file itself as the body")
            }
        } catch {
            unlink(path)
            throw error
        }
        return UploadSpool(path: path, sha256: digest.finalize())
    }

    /// Writes the body to `fd` chunk by chunk; the bytes received.
    private static func copy(_ body: RequestBody, to fd: Int32, limit: Int, digest: SHA256Digest, tooLarge: APIError) async throws -> Int {
        var received = 0
        for try await chunk in body {
            received += chunk.readableBytes
            guard received <= limit else { throw tooLarge }
            try chunk.withUnsafeReadableBytes { bytes in
                digest.update(Array(bytes))
                var offset = 0
                while offset < bytes.count {
                    let written = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0, errno == EINTR { continue }
                    guard written > 0 else { throw APIError.spool(errno) }
                    offset += written
                }
            }
        }
        return received
    }
}

extension APIError {
    /// The server could not keep an upload (a full disk, a missing temporary folder).
    static func spool(_ code: Int32) -> APIError {
        APIError(.serviceUnavailable, code: "upload_not_kept",
                 message: "the server cannot keep the upload: \(String(cString: strerror(code))); try again later", retryAfter: 30)
    }
}
