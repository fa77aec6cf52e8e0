/// A JSON value that keeps object members in file order, duplicates included, so rules can see
/// what different parsers would disagree about (most keep the last duplicate, some the first).
public indirect enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// A number, with its text as written (exact integers beyond `Int` and `Double` survive).
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object([JSONMember])

    /// The string payload, or `nil`.
    public var string: String? { if case let .string(s) = self { s } else { nil } }
    /// The array payload, or `nil`.
    public var array: [JSONValue]? { if case let .array(a) = self { a } else { nil } }
    /// The members of an object, or `nil`.
    public var members: [JSONMember]? { if case let .object(m) = self { m } else { nil } }
    /// An integer that fits in `Int` exactly, or `nil`.
    public var int: Int? { if case let .number(n) = self { n.int } else { nil } }

    /// The value of the last member named `key` (what Python's `json` and serde keep), or `nil`.
    public subscript(key: String) -> JSONValue? {
        members?.last { $0.key == key }?.value
    }

    /// A short type name for messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// One `"key": value` member of an object, with where its key starts in the text.
public struct JSONMember: Sendable, Equatable {
    /// The decoded key.
    public var key: String
    /// The value.
    public var value: JSONValue
    /// Byte offset of the key's opening quote.
    public var offset: Int
}

/// A JSON number as written.
public struct JSONNumber: Sendable, Equatable {
    /// The literal text.
    public var text: String

    /// Creates a number from its text as written.
    public init(text: String) { self.text = text }

    /// The value when it is an integer that fits in `Int`.
    public var int: Int? { Int(text) }
    /// The value as a double (may round).
    public var double: Double? { Double(text) }
}
