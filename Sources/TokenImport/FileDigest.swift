import COpenSSL
import OATHCore


/// SHA-256 of a file, for the batch record.
public final class SHA256Digest {
    private let context: OpaquePointer

    public init() {
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    public func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { _ = EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
    }

    /// The digest as lowercase hex.
    public func finalize() -> String {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &out, &length)
        return Hex.encode(out)
    }
}

extension SHA256Digest {
    /// The SHA-256 of a whole file, read in chunks.
    public static func of(path: String) throws -> String {
        var source = try FileByteSource(path: path)
        defer { source.close() }
        let digest = SHA256Digest()
        var chunk: [UInt8] = []
        while true {
            try source.read(into: &chunk)
            if chunk.isEmpty { return digest.finalize() }
            digest.update(chunk)
        }
    }
}
