import PostgresNIO

/// A one-dimensional BIGINT[] or TEXT[] parameter whose elements may be NULL (postgres-nio's own
/// arrays cannot hold NULL), in PostgreSQL's binary array format (`array_recv`): the dimension
/// count, a has-NULL flag and the element type; the length and lower bound; then each element as
/// a length (-1 for NULL) and its bytes.
struct NullableArray<Element: NullableArrayElement>: PostgresNonThrowingEncodable {
    let elements: [Element?]

    init(_ elements: [Element?]) { self.elements = elements }

    static var psqlType: PostgresDataType { Element.arrayType }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(Int32(elements.isEmpty ? 0 : 1))
        buffer.writeInteger(Int32(elements.contains { $0 == nil } ? 1 : 0))
        buffer.writeInteger(Element.elementType.rawValue)
        guard !elements.isEmpty else { return }
        buffer.writeInteger(Int32(elements.count))
        buffer.writeInteger(Int32(1))
        for element in elements {
            guard let element else {
                buffer.writeInteger(Int32(-1))
                continue
            }
            let lengthAt = buffer.writerIndex
            buffer.writeInteger(Int32(0))
            let written = element.write(into: &buffer)
            buffer.setInteger(Int32(written), at: lengthAt)
        }
    }
}

/// An element type `NullableArray` can carry.
protocol NullableArrayElement: Sendable {
    static var elementType: PostgresDataType { get }
    static var arrayType: PostgresDataType { get }
    /// Writes the element's binary form; returns how many bytes that took.
    func write(into buffer: inout ByteBuffer) -> Int
}

extension Int64: NullableArrayElement {
    static var elementType: PostgresDataType { .int8 }
    static var arrayType: PostgresDataType { .int8Array }
    func write(into buffer: inout ByteBuffer) -> Int { buffer.writeInteger(self) }
}

extension String: NullableArrayElement {
    static var elementType: PostgresDataType { .text }
    static var arrayType: PostgresDataType { .textArray }
    func write(into buffer: inout ByteBuffer) -> Int { buffer.writeString(self) }
}
