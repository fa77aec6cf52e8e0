import Foundation
import Logging

/// A swift-log handler writing one JSON object per line to standard error: `ts`, `level`, `logger`,
/// `msg` and the metadata as fields (`text` writes swift-log's plain lines instead).
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let label: String
    static let lock = NSLock()

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        write(level: event.level, message: event.message, metadata: event.metadata, error: event.error)
    }

    public func log(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String, file: String,
                    function: String, line: UInt) {
        write(level: level, message: message, metadata: extra, error: nil)
    }

    func write(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, error: (any Error)?) {
        var fields: [String: String] = [:]
        for (key, value) in metadata.merging(extra ?? [:], uniquingKeysWith: { $1 }) { fields[key] = "\(value)" }
        fields["ts"] = Date().formatted(.iso8601)
        fields["level"] = level.rawValue
        fields["logger"] = label
        fields["msg"] = message.description
        if let error { fields["error"] = "\(error)" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(fields) else { return }  // a dictionary of strings always encodes
        Self.lock.lock()
        defer { Self.lock.unlock() }
        FileHandle.standardError.write(data + Data("\n".utf8))
    }
}
