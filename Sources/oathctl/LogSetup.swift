import Foundation
import Logging
import TokenImport

/// Where the store's log lines go from the command line: standard error, at the level in
/// `OATHCTL_LOG_LEVEL` (trace, debug, info, notice, warning, error, critical; default warning, so
/// a command prints only its own output unless asked). `info` gives one line per audited change.
enum LogSetup {
    static func bootstrap() {
        let text = ProcessInfo.processInfo.environment["OATHCTL_LOG_LEVEL"]?.lowercased()
        let level = text.flatMap(Logger.Level.init(rawValue:)) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        if let text, Logger.Level(rawValue: text) == nil {
            Terminal.printError("oathctl: OATHCTL_LOG_LEVEL '\(DisplayText.escaped(text))' is not a level (trace, debug, info, notice, warning, error, critical); using warning")
        }
    }
}
