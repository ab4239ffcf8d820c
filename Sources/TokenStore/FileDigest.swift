import COpenSSL
import OATHCore
import TokenImport

/// SHA-256 of a file computed while it is read, for the batch record.
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

/// A byte source that hashes everything it hands out.
public struct HashingByteSource<Base: ByteSource>: ByteSource {
    private var base: Base
    public let digest = SHA256Digest()

    public init(_ base: Base) { self.base = base }

    public var totalBytes: Int? { base.totalBytes }

    public mutating func read(into buffer: inout [UInt8]) throws(ByteSourceError) {
        try base.read(into: &buffer)
        digest.update(buffer)
    }
}
