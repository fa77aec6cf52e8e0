import VetBytes
import VetCore

/// A value on the symbolic pickle machine's stack: constants are kept, everything a call would
/// produce is kept as the call itself, so nothing is ever executed.
///
/// Values are plain data: payloads are indexes into the program's `PickleHeap`, so copying a value
/// costs nothing and structures a pickle shares or makes circular need no reference counting.
public enum PickleValue: Sendable, Hashable {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer too large for `Int`; indexes `PickleHeap.bigInts`.
    case bigInt(Int)
    case float(Double)
    /// Indexes `PickleHeap.texts`.
    case string(Int)
    /// Indexes `PickleHeap.byteValues`.
    case bytes(Int)
    /// Indexes `PickleHeap.tuples`.
    case tuple(Int)
    /// Lists, dicts (keys and values interleaved) and sets index `PickleHeap.containers`.
    case list(Int)
    case dict(Int)
    case set(Int)
    /// The object an import produced; indexes `PickleProgram.imports`.
    case global(Int)
    /// The result of a call; indexes `PickleHeap.objects`.
    case object(Int)
    /// What `persistent_load` would return; indexes `PickleHeap.persistents` (the id).
    case persistent(Int)
    /// An out-of-band buffer (protocol 5).
    case buffer
    /// A value the machine could not determine; indexes `PickleHeap.reasons`.
    case unknown(Int)
}

/// The result of a call, and the state BUILD later gave it.
public struct PickleObjectRecord: Sendable {
    /// What was called.
    public var callee: PickleValue
    /// The arguments, usually a tuple.
    public var arguments: PickleValue
    /// The opcode that made the call.
    public var opcode: PickleOpcode
    /// The opcode's offset in the stream.
    public var offset: Int
    /// The state BUILD applied, if any.
    public var state: PickleValue?
    /// What APPEND(S), SETITEM(S) and ADDITEMS added to the object through its own methods
    /// (an `OrderedDict`'s keys and values interleaved, as in a dict), in stream order.
    public var items: [PickleValue] = []
    var logicalSize: Int
}

/// Storage for everything `PickleValue`s refer to, owned by one program.
public struct PickleHeap: Sendable {
    /// The bytes text and byte values were read from (their ranges are offsets into it).
    var source: ByteSource?
    var texts: [PickleText] = []
    var bigInts: [[UInt8]] = []
    var byteValues: [Range<Int>] = []
    var tuples: [(start: Int, count: Int, size: Int)] = []
    var tupleStorage: [PickleValue] = []
    var containers: [[PickleValue]] = []
    var containerSizes: [Int] = []
    var objects: [PickleObjectRecord] = []
    var persistents: [PickleValue] = []
    var reasons: [String] = []

    /// The text of a `str` constant, or `nil`.
    public func string(_ value: PickleValue) -> String? {
        if case let .string(i) = value, let source { return texts[i].string(in: source) }
        return nil
    }

    /// The bytes of a `bytes` constant, or `nil`.
    public func bytes(_ value: PickleValue) -> ByteSource? {
        if case let .bytes(i) = value, let source { return source.clampedSlice(byteValues[i]) }
        return nil
    }

    /// The value of an integer (or bool) constant that fits in `Int`, or `nil`.
    public func int(_ value: PickleValue) -> Int? {
        switch value {
        case let .int(v): v
        case let .bool(b): b ? 1 : 0
        default: nil
        }
    }

    /// Little-endian bytes of a big integer, or `nil`.
    public func bigIntBytes(_ value: PickleValue) -> [UInt8]? {
        if case let .bigInt(i) = value { return bigInts[i] }
        return nil
    }

    /// The elements of a tuple, or `nil`.
    public func tupleItems(_ value: PickleValue) -> ArraySlice<PickleValue>? {
        guard case let .tuple(i) = value else { return nil }
        let t = tuples[i]
        return tupleStorage[t.start..<(t.start + t.count)]
    }

    /// The elements of a list, set or dict (dicts interleave keys and values), or `nil`.
    public func containerItems(_ value: PickleValue) -> [PickleValue]? {
        switch value {
        case let .list(i), let .dict(i), let .set(i): containers[i]
        default: nil
        }
    }

    /// Where a text or bytes constant was read from in the source, or `nil` for other values.
    public func sourceRange(_ value: PickleValue) -> Range<Int>? {
        switch value {
        case let .bytes(i): return byteValues[i]
        case let .string(i):
            switch texts[i] {
            case let .utf8(range), let .narrow(range), let .quoted(range), let .rawUnicode(range): return range
            }
        default: return nil
        }
    }

    /// The value under the `str` key `key` of a dict, or `nil`.
    public func dictValue(_ value: PickleValue, key: String) -> PickleValue? {
        guard case let .dict(i) = value else { return nil }
        let items = containers[i]
        var index = 0
        while index + 1 < items.count {
            if string(items[index]) == key { return items[index + 1] }
            index += 2
        }
        return nil
    }

    /// The call record of an object, or `nil`.
    public func object(_ value: PickleValue) -> PickleObjectRecord? {
        if case let .object(i) = value { return objects[i] }
        return nil
    }

    /// The id of a persistent reference, or `nil`.
    public func persistentID(_ value: PickleValue) -> PickleValue? {
        if case let .persistent(i) = value { return persistents[i] }
        return nil
    }

    /// How many elements a value stands for when shared references are expanded (saturating).
    func logicalSize(_ value: PickleValue) -> Int {
        switch value {
        case let .tuple(i): tuples[i].size
        case let .list(i), let .dict(i), let .set(i): containerSizes[i]
        case let .object(i): objects[i].logicalSize
        default: 1
        }
    }

    /// A short description for messages and evidence, bounded in size even for shared structures.
    public func summary(_ value: PickleValue, depth: Int = 0) -> String {
        switch value {
        case .none: return "None"
        case let .bool(b): return b ? "True" : "False"
        case let .int(v): return String(v)
        case let .bigInt(i): return "<int of \(bigInts[i].count) bytes>"
        case let .float(v): return String(v)
        case .string: return "'" + Evidence.clip(string(value) ?? "", maxLength: 80) + "'"
        case let .bytes(i): return "<bytes of \(byteValues[i].count)>"
        case .tuple:
            let items = tupleItems(value) ?? []
            if depth > 2 { return "(…)" }
            let shown = items.prefix(4).map { summary($0, depth: depth + 1) }.joined(separator: ", ")
            return "(" + shown + (items.count > 4 ? ", …" : "") + (items.count == 1 ? ",)" : ")")
        case let .list(i): return "<list of \(containers[i].count)>"
        case let .dict(i): return "<dict of \(containers[i].count / 2)>"
        case let .set(i): return "<set of \(containers[i].count)>"
        case let .global(index): return "<global #\(index)>"
        case let .object(i): return "<call at 0x\(String(objects[i].offset, radix: 16))>"
        case .persistent: return "<persistent>"
        case .buffer: return "<buffer>"
        case let .unknown(i): return "<unknown: \(reasons[i])>"
        }
    }

    // MARK: Allocation (the machine's)

    mutating func text(_ text: PickleText) -> PickleValue {
        texts.append(text)
        return .string(texts.count - 1)
    }

    mutating func bytes(_ bytes: Range<Int>) -> PickleValue {
        byteValues.append(bytes)
        return .bytes(byteValues.count - 1)
    }

    mutating func bigInt(_ bytes: [UInt8]) -> PickleValue {
        bigInts.append(bytes)
        return .bigInt(bigInts.count - 1)
    }

    mutating func unknown(_ reason: String) -> PickleValue {
        reasons.append(reason)
        return .unknown(reasons.count - 1)
    }

    mutating func tuple<C: Collection>(_ items: C) -> PickleValue where C.Element == PickleValue {
        let start = tupleStorage.count
        var size = 1
        for item in items { size = size.addingSaturating(logicalSize(item)) }
        tupleStorage.append(contentsOf: items)
        tuples.append((start, items.count, size))
        return .tuple(tuples.count - 1)
    }

    mutating func container() -> Int {
        containers.append([])
        containerSizes.append(1)
        return containers.count - 1
    }

    /// Records `value` as added to object `object` by one of its methods.
    mutating func append(_ value: PickleValue, toObject object: Int) {
        objects[object].items.append(value)
        objects[object].logicalSize = objects[object].logicalSize.addingSaturating(logicalSize(value))
    }

    mutating func append(_ value: PickleValue, to container: Int) {
        let size = logicalSize(value)
        containers[container].append(value)
        containerSizes[container] = containerSizes[container].addingSaturating(size)
    }

    mutating func object(callee: PickleValue, arguments: PickleValue, opcode: PickleOpcode, offset: Int) -> PickleValue {
        objects.append(PickleObjectRecord(callee: callee, arguments: arguments, opcode: opcode, offset: offset, state: nil,
                                          items: [], logicalSize: logicalSize(arguments).addingSaturating(1)))
        return .object(objects.count - 1)
    }

    mutating func persistent(_ id: PickleValue) -> PickleValue {
        persistents.append(id)
        return .persistent(persistents.count - 1)
    }
}

extension Int {
    /// Adds without trapping, pinning at `Int.max`.
    func addingSaturating(_ other: Int) -> Int {
        let (r, o) = addingReportingOverflow(other)
        return o ? Int.max : r
    }
}
