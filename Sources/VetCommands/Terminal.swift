import ArgumentParser
import Foundation
import VetScanner

/// Standard output and error, and whether they are terminals.
enum Terminal {
    static func isInteractive(_ fd: Int32) -> Bool { isatty(fd) == 1 }

    static func write(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }

    static func error(_ text: String) { FileHandle.standardError.write(Data(("modelvet: " + text + "\n").utf8)) }

    /// A report to `path` (written atomically), or to standard output without one; a file that
    /// cannot be written is exit 2 with the reason.
    static func emit(_ document: String, to path: String?) throws {
        guard let path else { return write(document) }
        do { try Data(document.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            Terminal.error("cannot write \(path): \(error.localizedDescription)")
            throw ExitCode(2)
        }
    }
}

/// A single status line on standard error that rewrites itself, at most ten times a second.
final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private var last = Date.distantPast
    private var shown = false

    func update(_ progress: ScanProgress) {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard now.timeIntervalSince(last) > 0.1 || progress.filesDone == progress.filesTotal else { return }
        last = now
        let percent = progress.bytesTotal > 0 ? 100 * progress.bytesDone / progress.bytesTotal : 100
        var name = progress.lastFile
        if name.count > 50 { name = "…" + name.suffix(49) }
        FileHandle.standardError.write(Data("\r\u{1B}[K[\(progress.filesDone)/\(progress.filesTotal) files, \(percent)%] \(name)".utf8))
        shown = true
    }

    func finish() {
        lock.lock()
        defer { lock.unlock() }
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}

/// Raw writes to standard error, without the `modelvet:` prefix.
enum FileHandleOutput {
    static func standardError(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }
}

/// Ends the process with `code`.
func exitProcess(_ code: Int32) -> Never { exit(code) }
