/// HOTP (RFC 4226) and TOTP (RFC 6238) code generation.
public enum OTP {
    /// Digit counts the engine produces. Dynamic truncation yields 31 bits, so at most 9 are meaningful;
    /// tokens and the upload format use 6 or 8.
    public static let supportedDigits: ClosedRange<Int> = 6...9

    static let powersOfTen: [UInt32] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000]

    /// The HOTP value for a counter: dynamic truncation of the HMAC, modulo 10^digits (RFC 4226 section 5.3).
    @inline(__always)
    public static func hotp(key: HMACKey, counter: UInt64, digits: Int = 6) -> UInt32 {
        precondition(supportedDigits.contains(digits), "digits must be 6...9")
        return key.withMAC(counter: counter) { mac in
            let offset = Int(mac[mac.count - 1] & 0x0F)
            let binary = (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16)
                | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
            return binary % powersOfTen[digits]
        }
    }

    /// The TOTP time step for a Unix time: floor(time / step) with T0 = 0 (RFC 6238 section 4.2).
    ///
    /// 64-bit throughout, so times past 2^31 and 2^32 (2038, 2106) are ordinary.
    @inline(__always)
    public static func timeStep(at unixTime: UInt64, step: UInt64) -> UInt64 {
        precondition(step > 0, "step must be positive")
        return unixTime / step
    }

    /// The TOTP value at a Unix time.
    public static func totp(key: HMACKey, at unixTime: UInt64, step: UInt64 = 30, digits: Int = 6) -> UInt32 {
        hotp(key: key, counter: timeStep(at: unixTime, step: step), digits: digits)
    }

    /// A code as the token shows it: zero-padded to `digits`.
    public static func format(_ value: UInt32, digits: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
