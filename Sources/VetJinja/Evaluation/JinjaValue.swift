import Foundation

/// A value inside the template sandbox. Only plain data exists here: no host objects, no
/// attributes beyond dictionary keys and a fixed set of string, list and dict methods.
public indirect enum JinjaValue: Sendable, Equatable {
    case undefined
    case none
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case list([JinjaValue])
    /// Entries in insertion order, as Python dicts keep them; keys are usually strings.
    case dict([(JinjaValue, JinjaValue)])
    /// A `namespace()` object: an index into the renderer's namespace store (so `set ns.x` mutates it).
    case namespace(Int)
    /// A macro defined in the template; an index into the renderer's macro store.
    case macro(Int)
    /// A bound method such as `message.content.strip`: the receiver and the method name.
    case method(JinjaValue, String)

    public static func == (lhs: JinjaValue, rhs: JinjaValue) -> Bool {
        switch (lhs, rhs) {
        case (.undefined, .undefined), (.none, .none): true
        case let (.bool(a), .bool(b)): a == b
        case let (.string(a), .string(b)): a == b
        case let (.list(a), .list(b)): a == b
        case let (.dict(a), .dict(b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case let (.namespace(a), .namespace(b)), let (.macro(a), .macro(b)): a == b
        default:
            if let a = lhs.number, let b = rhs.number { a == b } else { false }
        }
    }

    /// Builds a value from JSON-like Swift data (`String`, `Int`, `Double`, `Bool`, arrays,
    /// `[String: Any]` with sorted keys, or `KeyValuePairs`-like `[(String, Any)]`).
    public static func from(_ any: Any?) -> JinjaValue {
        switch any {
        case nil: return .none
        case let v as JinjaValue: return v
        case let v as String: return .string(v)
        case let v as Bool: return .bool(v)
        case let v as Int: return .int(v)
        case let v as Double: return .double(v)
        case let v as [Any]: return .list(v.map(from))
        case let v as [(String, Any)]: return .dict(v.map { (.string($0.0), from($0.1)) })
        case let v as [String: Any]: return .dict(v.keys.sorted().map { (.string($0), from(v[$0])) })
        default: return .string(String(describing: any!))
        }
    }

    /// Python truthiness.
    public var truthy: Bool {
        switch self {
        case .undefined, .none: false
        case let .bool(b): b
        case let .int(i): i != 0
        case let .double(d): d != 0
        case let .string(s): !s.isEmpty
        case let .list(l): !l.isEmpty
        case let .dict(d): !d.isEmpty
        case .namespace, .macro, .method: true
        }
    }

    public var number: Double? {
        switch self {
        case let .int(i): Double(i)
        case let .double(d): d
        case let .bool(b): b ? 1 : 0
        default: nil
        }
    }

    public var typeName: String {
        switch self {
        case .undefined: "undefined"
        case .none: "none"
        case .bool: "bool"
        case .int: "int"
        case .double: "float"
        case .string: "string"
        case .list: "list"
        case .dict: "dict"
        case .namespace: "namespace"
        case .macro: "macro"
        case .method: "method"
        }
    }

    /// `str(value)` as Jinja prints it.
    public var text: String {
        switch self {
        case .undefined: ""
        case .none: "None"
        case let .bool(b): b ? "True" : "False"
        case let .int(i): String(i)
        case let .double(d): d == d.rounded() && abs(d) < 1e16 ? String(format: "%.1f", d) : String(d)
        case let .string(s): s
        case let .list(l): "[" + l.map(\.representation).joined(separator: ", ") + "]"
        case let .dict(d): "{" + d.map { $0.0.representation + ": " + $0.1.representation }.joined(separator: ", ") + "}"
        case .namespace: "<Namespace>"
        case .macro: "<Macro>"
        case .method: "<method>"
        }
    }

    /// `repr(value)`, for values inside printed containers.
    public var representation: String {
        if case let .string(s) = self { return "'" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'" }
        return text
    }

    /// JSON text, as the `tojson` filter writes it (keys in insertion order unless sorted).
    public func json(indent: Int?, level: Int = 0, sortKeys: Bool = false) -> String {
        let newline = indent.map { "\n" + String(repeating: " ", count: $0 * (level + 1)) } ?? ""
        let closing = indent.map { "\n" + String(repeating: " ", count: $0 * level) } ?? ""
        let separator = indent == nil ? ", " : ","
        switch self {
        case .undefined, .none: return "null"
        case let .bool(b): return b ? "true" : "false"
        case let .int(i): return String(i)
        case let .double(d): return d.isFinite ? String(d) : "null"
        case let .string(s): return Self.jsonString(s)
        case let .list(l):
            if l.isEmpty { return "[]" }
            return "[" + newline + l.map { $0.json(indent: indent, level: level + 1, sortKeys: sortKeys) }.joined(separator: separator + newline) + closing + "]"
        case let .dict(d):
            if d.isEmpty { return "{}" }
            let entries = sortKeys ? d.sorted { $0.0.text < $1.0.text } : d
            return "{" + newline + entries.map { Self.jsonString($0.0.text) + ": " + $0.1.json(indent: indent, level: level + 1, sortKeys: sortKeys) }
                .joined(separator: separator + newline) + closing + "}"
        case .namespace, .macro, .method: return "null"
        }
    }

    public static func jsonString(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value > 0x7E {
                    // Python's json.dumps escapes non-ASCII by default, as transformers' tojson does.
                    if scalar.value > 0xFFFF {
                        let v = scalar.value - 0x10000
                        out += String(format: "\\u%04x\\u%04x", 0xD800 + (v >> 10), 0xDC00 + (v & 0x3FF))
                    } else {
                        out += String(format: "\\u%04x", scalar.value)
                    }
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// The value under dictionary key `key`, if this is a dict.
    public func lookup(_ key: String) -> JinjaValue? {
        if case let .dict(d) = self { return d.last { $0.0 == .string(key) }?.1 }
        return nil
    }

    /// The value under `key` of any type, if this is a dict.
    public func lookup(value key: JinjaValue) -> JinjaValue? {
        if case let .dict(d) = self { return d.last { $0.0 == key }?.1 }
        return nil
    }
}
