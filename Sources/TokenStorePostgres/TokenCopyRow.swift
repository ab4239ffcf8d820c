import PostgresNIO
import TokenDomain

/// A token as one line of COPY's text format: tab-separated, `\N` for NULL, bytea as `\\x` hex.
///
/// Written by hand because COPY is how a million tokens reach PostgreSQL in seconds (one INSERT per
/// row measured ~0.3 ms each over loopback) and postgres-nio's `copyFrom` takes the text format only.
enum TokenCopyRow {
    static let columns = [
        "serial", "serial_key", "sealed_secret", "secret_fp", "interval", "hash", "digits", "manufacturer", "model", "upn",
        "user_key", "status", "drift", "last_used_step", "failed_attempts", "first_failure_at", "locked_until", "batch_id",
        "created_at", "updated_at",
    ]

    static func write(_ record: TokenRecord, into buffer: inout ByteBuffer) {
        let token = record.token
        text(token.serial, &buffer); tab(&buffer)
        text(Serial.key(token.serial), &buffer); tab(&buffer)
        bytes(record.sealed, &buffer); tab(&buffer)
        if let print = record.fingerprint { bytes(print, &buffer) } else { null(&buffer) }
        tab(&buffer)
        buffer.writeString("\(token.interval)\t"); text(token.hash, &buffer); buffer.writeString("\t\(token.digits)\t")
        text(token.manufacturer, &buffer); tab(&buffer)
        text(token.model, &buffer); tab(&buffer)
        optional(token.upn, &buffer); tab(&buffer)
        optional(token.upn.map(UPN.key), &buffer); tab(&buffer)
        text(token.status.rawValue, &buffer); buffer.writeString("\t\(token.drift)\t")
        number(token.lastUsedStep, &buffer); buffer.writeString("\t\(token.failedAttempts)\t")
        number(record.firstFailureAt, &buffer); tab(&buffer)
        number(token.lockedUntil, &buffer); tab(&buffer)
        number(token.batch, &buffer); buffer.writeString("\t\(token.createdAt)\t\(token.updatedAt)\n")
    }

    private static func tab(_ buffer: inout ByteBuffer) { buffer.writeInteger(UInt8(ascii: "\t")) }
    private static func null(_ buffer: inout ByteBuffer) { buffer.writeString("\\N") }

    private static func optional(_ value: String?, _ buffer: inout ByteBuffer) {
        if let value { text(value, &buffer) } else { null(&buffer) }
    }

    private static func number(_ value: Int64?, _ buffer: inout ByteBuffer) {
        if let value { buffer.writeString(String(value)) } else { null(&buffer) }
    }

    /// Text with COPY's escapes: backslash, tab, newline and carriage return.
    static func text(_ value: String, _ buffer: inout ByteBuffer) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeString("\\\\")
            case UInt8(ascii: "\t"): buffer.writeString("\\t")
            case UInt8(ascii: "\n"): buffer.writeString("\\n")
            case UInt8(ascii: "\r"): buffer.writeString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }

    /// bytea in hex: `\\x` (the backslash escaped for COPY) then two hex digits a byte.
    static func bytes(_ value: [UInt8], _ buffer: inout ByteBuffer) {
        buffer.writeString("\\\\x")
        let digits = Array("0123456789abcdef".utf8)
        for byte in value {
            buffer.writeInteger(digits[Int(byte >> 4)])
            buffer.writeInteger(digits[Int(byte & 0x0F)])
        }
    }
}
