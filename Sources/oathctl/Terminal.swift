import Foundation

/// Standard streams and the terminal: messages, hidden input, TTY checks.
enum Terminal {
    static func printError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static var stdinIsTTY: Bool { isatty(STDIN_FILENO) == 1 }
    static var stderrIsTTY: Bool { isatty(STDERR_FILENO) == 1 }

    /// Reads all of standard input, or a line typed with echo off when standard input is a terminal.
    ///
    /// - Parameter prompt: shown on standard error before hidden typing.
    static func readInput(prompt: String, hidden: Bool) throws -> [UInt8] {
        guard stdinIsTTY else { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        FileHandle.standardError.write(Data(prompt.utf8))
        var saved = termios()
        let canHide = hidden && tcgetattr(STDIN_FILENO, &saved) == 0
        if canHide {
            var silent = saved
            silent.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &silent)
        }
        defer {
            if canHide {
                tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved)
                FileHandle.standardError.write(Data("\n".utf8))
            }
        }
        guard let line = readLine(strippingNewline: true) else { return [] }
        return Array(line.utf8)
    }
}
