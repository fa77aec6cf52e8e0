import VetCore
import VetBytes

/// One import a pickle performs through GLOBAL, STACK_GLOBAL or INST.
public struct PickleImport: Sendable {
    /// The module operand, or a description when it was not a constant.
    public var module: String
    /// The (possibly dotted) attribute path inside the module.
    public var name: String
    /// Whether both operands were constant strings known to the machine.
    public var isResolved: Bool
    /// Why the operands could not be resolved, or how they were unusual.
    public var notes: [String]
    /// The opcode that performed the import.
    public var opcode: PickleOpcode
    /// Its offset in the scanned source.
    public var offset: Int
    /// Offsets of the instructions leading up to and including the import.
    public var instructionOffsets: [Int]
    /// Offsets of the instructions leading up to the first call that used the import, when one did.
    public var callOffsets: [Int]?
    /// The bytes the offsets refer to, so disassembly is rendered only for imports that are reported.
    public var source: ByteSource?
    /// Added to every offset shown (pickles read from a slice of a larger file).
    public var displayShift = 0
    /// Whether the import sits in a pickle carried inside an operand, which runs only if
    /// something unpickles that operand later (a dormant second stage).
    public var dormant = false

    /// Disassembly of the instructions leading to the import.
    public var disassembly: String { render(instructionOffsets) }
    /// Disassembly of the first call that used the import, when one did.
    public var callSite: String? { callOffsets.map(render) }

    private func render(_ offsets: [Int]) -> String {
        guard let source else { return "" }
        return PickleDisassembler.render(offsets.compactMap { offset in
            guard var decoder = try? PickleDecoder(source, offset: offset, maxOperandLength: 1 << 30) else { return nil }
            return try? decoder.next()
        }, source: source, shift: displayShift)
    }

    /// Creates an import record (the machine makes these; tests and tools may too).
    public init(module: String, name: String, isResolved: Bool, notes: [String], opcode: PickleOpcode, offset: Int,
                instructionOffsets: [Int] = [], source: ByteSource? = nil) {
        self.module = module
        self.name = name
        self.isResolved = isResolved
        self.notes = notes
        self.opcode = opcode
        self.offset = offset
        self.instructionOffsets = instructionOffsets
        self.source = source
    }

    /// Whether module and name are dotted Python identifiers, the only names an import can succeed with.
    public var hasIdentifierNames: Bool {
        isResolved && PickleSniffer.isIdentifierPath(module) && PickleSniffer.isIdentifierPath(name)
    }

    /// `module.name`, the dotted path the loader would resolve.
    public var qualifiedName: String { module + "." + name }
}

/// What kind of irregularity the machine met.
public enum PickleAnomalyKind: String, AnomalyKind, Sendable, CaseIterable {
    /// The stream ended inside an opcode or before STOP.
    case truncated
    /// A byte that is not a pickle opcode where one was expected.
    case invalidOpcode
    /// An opcode needed more stack, a mark or a memo slot than existed, or got an operand of the wrong type.
    case inconsistentStack
    /// A FRAME that overruns the data, or an opcode that crosses a frame's end.
    case frameViolation
    /// A length prefix larger than the data or the configured limit.
    case oversizedOperand
    /// A resource limit (opcodes, stack depth, memo size, expansion) was reached.
    case resourceLimit
    /// PROTO announced a version this machine does not know, or opcodes newer than the declared protocol.
    case protocolMismatch
}

/// One irregularity the Pickle parser met.
public typealias PickleAnomaly = Anomaly<PickleAnomalyKind>

/// What one positional argument of a call is, as far as allowlisting needs to know.
public enum PickleArgumentKind: Sendable, Equatable {
    /// An imported object; the payload indexes `PickleProgram.imports`.
    case imported(Int)
    /// A constant (str, bytes, number, None, bool) that cannot be called.
    case constant
    /// Anything else: a call result, a container, an unknown value.
    case other
}

/// A call the pickle would make when loaded.
public struct PickleCall: Sendable {
    /// REDUCE, NEWOBJ, NEWOBJ_EX, OBJ, INST or BUILD.
    public var opcode: PickleOpcode
    /// The opcode's offset.
    public var offset: Int
    /// Index into `PickleProgram.imports` of the callee, when it is an import.
    public var importIndex: Int?
    /// What the callee is, when it is not an import (empty when it is).
    public var calleeSummary: String
    /// Whether the opcode changes attributes of an imported class, function or module (BUILD on a global).
    public var mutatesImport: Bool = false
    /// The arguments as the machine saw them (usually a tuple in the program's heap).
    public var argumentValue: PickleValue = .none
}

extension PickleProgram {
    /// The kind of positional argument `position` of `call`; missing positions read as constants
    /// (the callee's defaults), arguments that are not a tuple as unknown.
    public func argument(_ position: Int, of call: PickleCall) -> PickleArgumentKind {
        guard let items = heap.tupleItems(call.argumentValue) else { return .other }
        guard position < items.count else { return .constant }
        switch items[items.startIndex + position] {
        case let .global(index): return .imported(index)
        case .none, .bool, .int, .bigInt, .float, .string, .bytes: return .constant
        default: return .other
        }
    }
}

/// A pickle carried inside an operand of another: it runs only if something unpickles the operand
/// later (a second stage), so its imports are reported as dormant.
public struct EmbeddedPickle: Sendable {
    /// Offset of the operand in the scanned source.
    public var offset: Int
    /// The inner pickle's bytes (decoded when the operand was encoded).
    public var bytes: ByteSource
    /// `base64` or `hex` when the operand was text encoding the pickle; `nil` for raw bytes.
    public var encoding: String?

    /// Creates a record.
    public init(offset: Int, bytes: ByteSource, encoding: String? = nil) {
        self.offset = offset
        self.bytes = bytes
        self.encoding = encoding
    }
}

/// The result of running one pickle (PROTO … STOP) through the symbolic machine.
public struct PickleProgram: Sendable {
    /// The bytes this pickle occupied, relative to the scanned source.
    public var range: Range<Int>
    /// The protocol announced by PROTO, if any.
    public var protocolVersion: Int?
    /// Whether the machine reached STOP.
    public var completed: Bool
    /// How many opcodes were executed.
    public var instructionCount: Int
    /// Every import, in stream order.
    public var imports: [PickleImport] = []
    /// Every call, in stream order.
    public var calls: [PickleCall] = []
    /// EXT1/EXT2/EXT4 uses: the extension code and offset.
    public var extensions: [(code: Int, offset: Int)] = []
    /// Irregularities, in stream order.
    public var anomalies: [PickleAnomaly] = []
    /// Ids passed to `persistent_load`, with their offsets.
    public var persistentIDs: [(value: PickleValue, offset: Int)] = []
    /// Byte or string operands that are pickles themselves, raw or encoded.
    public var embeddedPickles: [EmbeddedPickle] = []
    /// Byte ranges joblib would read as raw array data rather than as opcodes.
    public var arrayPayloads: [Range<Int>] = []
    /// How many BUILDs of joblib's array wrapper the machine met (each changes how joblib and
    /// plain `pickle.load` frame the bytes that follow).
    public var joblibWrappers = 0
    /// The value left on the stack at STOP.
    public var result: PickleValue?
    /// What the program's values refer to.
    public var heap = PickleHeap()
}
