/// Text that reaches a terminal (serials, UPNs, manufacturers, models, app names): checked on the
/// way in, escaped on the way out, so no file or argument can move the cursor, recolour the
/// screen or reverse a line (U+202E) on an admin's terminal.
public enum DisplayText {
    /// True for a scalar that must not be shown as it is: C0 and C1 controls, DEL, zero-width and
    /// direction-changing marks, line and paragraph separators, the byte-order mark.
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x200B...0x200F, 0x2028...0x202E, 0x2060...0x2069, 0xFEFF: true
        default: false
        }
    }

    /// What is wrong with a name (app, manufacturer, model), or nil: at most `maxLength` characters, none unsafe.
    public static func problem(in text: String, maxLength: Int) -> String? {
        for (index, scalar) in text.unicodeScalars.enumerated() where isUnsafe(scalar) {
            return "has an invisible or control character (\(codePoint(scalar))) at character \(index + 1); retype it with printable characters"
        }
        let count = text.count
        if count > maxLength { return "is \(count) characters long; at most \(maxLength) are allowed" }
        return nil
    }

    /// The text with every unsafe scalar written as `\u{…}`, for stored values from before the checks.
    public static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            if isUnsafe(scalar) { out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}" } else { out.unicodeScalars.append(scalar) }
        }
        return out
    }

    /// `U+200B` for a scalar.
    public static func codePoint(_ scalar: Unicode.Scalar) -> String {
        let hex = String(scalar.value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
