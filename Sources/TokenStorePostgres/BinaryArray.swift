import PostgresNIO
import TokenDomain

/// A one-dimensional array in PostgreSQL's binary format (`array_send`), read element by element
/// without copying: `ndim`, a null flag and the element type, then per dimension its length and
/// lower bound, then per element a length (-1 for NULL) and that many bytes.
struct BinaryArray {
    private var buffer: ByteBuffer
    let count: Int

    init(_ buffer: ByteBuffer) throws {
        var buffer = buffer
        guard let dimensions = buffer.readInteger(as: Int32.self), buffer.readInteger(as: Int32.self) != nil,
              buffer.readInteger(as: UInt32.self) != nil else { throw StoreError.database("an array from the server is malformed") }
        if dimensions == 0 {
            count = 0
        } else {
            guard dimensions == 1, let length = buffer.readInteger(as: Int32.self), length >= 0, buffer.readInteger(as: Int32.self) != nil else {
                throw StoreError.database("an array from the server is not one-dimensional")
            }
            count = Int(length)
        }
        self.buffer = buffer
    }

    /// The next element's bytes (a slice of the array, not a copy); nil for NULL or past the end.
    mutating func next() -> ByteBuffer? {
        guard let length = buffer.readInteger(as: Int32.self), length >= 0 else { return nil }
        return buffer.readSlice(length: Int(length))
    }

    /// The next element as a BIGINT (eight big-endian bytes).
    mutating func nextInteger() -> Int64? {
        guard let length = buffer.readInteger(as: Int32.self), length == 8 else { return nil }
        return buffer.readInteger(as: Int64.self)
    }
}
