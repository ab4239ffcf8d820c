import Foundation
import FuzzSupport
import TokenImport

/// The PSKC reader: any bytes give findings or an unusable-file finding, never a crash.
func pskcTarget(_ bytes: [UInt8]) {
    let keys = PSKCKeys(preSharedKey: Array(repeating: 0x11, count: 16), password: Array("qwerty".utf8))
    var findings = 0
    let handlers = FileValidator.Handlers { _ in findings += 1 }
    guard let summary = try? FileValidator().runPSKC(data: Data(bytes), keys: keys, handlers: handlers) else {
        preconditionFailure("the PSKC reader threw on in-memory input")
    }
    precondition(summary.fileUnusable || summary.accepted + summary.rejected == summary.rowsRead, "packages lost")
}

@main
enum Main {
    static func main() {
        fuzzMain { data, size in
            pskcTarget(bytes(data, size))
            return 0
        }
    }
}
