import VetBytes
import VetCore

/// A value on the symbolic pickle machine's stack: constants are kept, everything a call would
/// produce is kept as the call itself, so nothing is ever executed.
public enum PickleValue: Sendable {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer too large for `Int`, as little-endian two's-complement bytes.
    case bigInt([UInt8])
    case float(Double)
    case string(PickleText)
    case bytes(ByteSource)
    case tuple(PickleTuple)
    case list(PickleContainer)
    case dict(PickleContainer)
    case set(PickleContainer)
    /// The object an import produced; the payload indexes `PickleProgram.imports`.
    case global(Int)
    /// The result of a call (REDUCE, NEWOBJ, OBJ, INST), with its state after BUILD.
    case object(PickleObject)
    /// What `persistent_load` would return for this id.
    indirect case persistent(PickleValue)
    /// An out-of-band buffer (protocol 5).
    case buffer
    /// A value the machine could not determine, with the reason.
    case unknown(String)

    /// The text of a `str` constant, or `nil`.
    public var stringValue: String? {
        if case let .string(s) = self { return s.string }
        return nil
    }

    /// The value of an integer constant that fits in `Int`, or `nil`.
    public var intValue: Int? {
        switch self {
        case let .int(v): return v
        case let .bool(b): return b ? 1 : 0
        default: return nil
        }
    }

    /// A short description for messages and evidence, bounded in size even for shared structures.
    public func summary(depth: Int = 0) -> String {
        let budget = depth > 2
        switch self {
        case .none: return "None"
        case let .bool(b): return b ? "True" : "False"
        case let .int(v): return String(v)
        case let .bigInt(bytes): return "<int of \(bytes.count) bytes>"
        case let .float(v): return String(v)
        case let .string(s): return "'" + Evidence.clip(s.string, maxLength: 80) + "'"
        case let .bytes(b): return "<bytes of \(b.count)>"
        case let .tuple(tuple):
            let items = tuple.items
            if budget { return "(…)" }
            let shown = items.prefix(4).map { $0.summary(depth: depth + 1) }.joined(separator: ", ")
            return "(" + shown + (items.count > 4 ? ", …" : "") + (items.count == 1 ? ",)" : ")")
        case let .list(c): return "<list of \(c.items.count)>"
        case let .dict(c): return "<dict of \(c.items.count / 2)>"
        case let .set(c): return "<set of \(c.items.count)>"
        case let .global(index): return "<global #\(index)>"
        case let .object(o): return "<call at 0x\(String(o.offset, radix: 16))>"
        case .persistent: return "<persistent>"
        case .buffer: return "<buffer>"
        case let .unknown(why): return "<unknown: \(why)>"
        }
    }

    /// A copy that shares no mutable container with the original, down to `depth` levels.
    func detached(depth: Int) -> PickleValue {
        guard depth > 0 else {
            switch self {
            case .list, .dict, .set, .object, .tuple: return .unknown("deeper than the kept result")
            default: return self
            }
        }
        switch self {
        case let .tuple(t): return .tuple(t.items.map { $0.detached(depth: depth - 1) })
        case let .list(c): return .list(c.detached(depth: depth - 1))
        case let .dict(c): return .dict(c.detached(depth: depth - 1))
        case let .set(c): return .set(c.detached(depth: depth - 1))
        case let .object(o):
            let copy = PickleObject(callee: o.callee.detached(depth: depth - 1), arguments: o.arguments.detached(depth: depth - 1),
                                    opcode: o.opcode, offset: o.offset)
            copy.state = o.state?.detached(depth: depth - 1)
            return .object(copy)
        case let .persistent(id): return .persistent(id.detached(depth: depth - 1))
        default: return self
        }
    }

    /// How many elements this value stands for when shared references are expanded.
    var logicalSize: Int {
        switch self {
        case let .tuple(tuple): return tuple.logicalSize
        case let .list(c), let .dict(c), let .set(c): return c.logicalSize
        case let .object(o): return o.logicalSize
        default: return 1
        }
    }
}

/// An immutable tuple with its expanded size computed once, so shared nesting stays linear to measure.
public struct PickleTuple: Sendable {
    /// The elements.
    public let items: [PickleValue]
    let logicalSize: Int

    init(_ items: [PickleValue]) {
        self.items = items
        logicalSize = items.reduce(1) { $0.addingSaturating($1.logicalSize) }
    }
}

extension PickleValue {
    /// A tuple of `items`.
    static func tuple(_ items: [PickleValue]) -> PickleValue { .tuple(PickleTuple(items)) }

    /// The elements of a tuple, or `nil`.
    public var tupleItems: [PickleValue]? {
        if case let .tuple(t) = self { return t.items }
        return nil
    }
}

/// A mutable list, dict (keys and values interleaved) or set shared through the memo.
public final class PickleContainer: @unchecked Sendable {
    /// The elements in insertion order; dicts store key, value, key, value, ….
    public internal(set) var items: [PickleValue] = []
    /// Elements counted through shared references, saturating.
    var logicalSize = 1

    init() {}

    func detached(depth: Int) -> PickleContainer {
        let copy = PickleContainer()
        copy.items = items.map { $0.detached(depth: depth) }
        copy.logicalSize = logicalSize
        return copy
    }

    func append(_ value: PickleValue) {
        items.append(value)
        logicalSize = logicalSize.addingSaturating(value.logicalSize)
    }

    /// The value stored under the `str` key `key` of a dict, or `nil`.
    public func value(forKey key: String) -> PickleValue? {
        var index = 0
        while index + 1 < items.count {
            if items[index].stringValue == key { return items[index + 1] }
            index += 2
        }
        return nil
    }
}

/// The symbolic result of a call, and the state BUILD later gave it.
public final class PickleObject: @unchecked Sendable {
    /// What was called.
    public let callee: PickleValue
    /// The arguments, usually a tuple.
    public let arguments: PickleValue
    /// The opcode that made the call.
    public let opcode: PickleOpcode
    /// The opcode's offset in the stream.
    public let offset: Int
    /// The state BUILD applied, if any.
    public internal(set) var state: PickleValue?
    var logicalSize: Int

    init(callee: PickleValue, arguments: PickleValue, opcode: PickleOpcode, offset: Int) {
        self.callee = callee
        self.arguments = arguments
        self.opcode = opcode
        self.offset = offset
        logicalSize = arguments.logicalSize.addingSaturating(1)
    }
}

extension Int {
    /// Adds without trapping, pinning at `Int.max`.
    func addingSaturating(_ other: Int) -> Int {
        let (r, o) = addingReportingOverflow(other)
        return o ? Int.max : r
    }
}
