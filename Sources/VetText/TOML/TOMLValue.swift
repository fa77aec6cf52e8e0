/// A value of the TOML subset ModelVet reads (policy files).
public indirect enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case float(Double)
    case bool(Bool)
    case array([TOMLValue])
    case table(TOMLTable)

    /// The string payload, or `nil`.
    public var string: String? { if case let .string(s) = self { s } else { nil } }
}

/// A TOML table: keys in the order they were defined.
public struct TOMLTable: Sendable, Equatable {
    /// The entries in definition order.
    public internal(set) var entries: [(key: String, value: TOMLValue)] = []

    /// Creates an empty table.
    public init() {}

    /// The value under `key`.
    public subscript(key: String) -> TOMLValue? { entries.first { $0.key == key }?.value }

    /// The keys in definition order.
    public var keys: [String] { entries.map(\.key) }

    mutating func set(_ key: String, _ value: TOMLValue) throws(TOMLError) {
        guard self[key] == nil else { throw TOMLError(message: "key `\(key)` is defined twice", line: 0) }
        entries.append((key, value))
    }

    mutating func replace(_ key: String, _ value: TOMLValue) {
        if let index = entries.firstIndex(where: { $0.key == key }) { entries[index].value = value } else { entries.append((key, value)) }
    }

    public static func == (lhs: TOMLTable, rhs: TOMLTable) -> Bool {
        lhs.entries.count == rhs.entries.count && zip(lhs.entries, rhs.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
    }
}

/// A syntax error in a TOML document, with its line.
public struct TOMLError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public var message: String
    /// The 1-based line.
    public var line: Int

    public var description: String { "line \(line): \(message)" }
}
