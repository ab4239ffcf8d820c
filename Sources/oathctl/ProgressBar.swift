import Foundation

/// A progress bar on standard error, drawn only when standard error is a terminal.
final class ProgressBar {
    private let total: Int
    private let label: String
    private let afterwards: String?
    private let enabled: Bool
    private var lastDraw = 0.0
    private var drawn = false

    /// - Parameter afterwards: what the command still does once the bar is full (an import stores
    ///   its last rows and builds the store's indexes), shown beside the full bar.
    init(label: String, total: Int?, afterwards: String? = nil) {
        self.label = label
        self.total = max(total ?? 0, 1)
        self.afterwards = afterwards
        enabled = Terminal.stderrIsTTY && (total ?? 0) > 0
    }

    /// Redraws at most ten times a second.
    func update(_ done: Int) {
        guard enabled else { return }
        let now = Date().timeIntervalSinceReferenceDate
        guard now - lastDraw >= 0.1 || done >= total else { return }
        lastDraw = now
        let fraction = min(1, Double(done) / Double(total))
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let tail = done >= total ? afterwards.map { ", \($0)" } ?? "" : ""
        FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(Int(fraction * 100))%\(tail)".utf8))
        drawn = true
    }

    /// Clears the bar's line.
    func finish() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }
}
