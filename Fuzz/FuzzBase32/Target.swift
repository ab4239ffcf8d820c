import FuzzSupport
import OATHCore

/// Base32: any bytes decode or fail with a typed error; what decodes re-encodes to itself; the
/// clean lane's `decodedCount(validating:)` gives the same verdict and length as `decode`.
func base32Target(_ bytes: [UInt8]) {
    let count = bytes.withUnsafeBufferPointer { Base32.decodedCount(validating: $0) }
    precondition(count == (try? Base32.decode(utf8: bytes, maxLength: nil))?.count, "decodedCount disagrees with decode")
    for maxLength in [nil, Base32.uploadMaxLength] {
        guard let decoded = try? Base32.decode(utf8: bytes, maxLength: maxLength) else { continue }
        let again = try? Base32.decode(Base32.encode(decoded), maxLength: nil)
        precondition(again == decoded, "Base32 round trip failed")
    }
    _ = Base32.normalize(String(decoding: bytes, as: UTF8.self))
}

@main
enum Main {
    static func main() {
        fuzzMain { data, size in
            base32Target(bytes(data, size))
            return 0
        }
    }
}
