import VetBytes
import VetCore

/// Runs one pickle symbolically: a stack-and-memo machine that follows every opcode the way
/// CPython's unpickler does, but records imports and calls instead of performing them.
///
/// Semantic errors (a missing mark, an empty stack, an unknown memo slot) are recorded and the
/// machine carries on with unknown values, so a payload after a deliberate inconsistency is still
/// seen. Decoding errors end the run, since the following bytes can no longer be framed.
public struct PickleMachine {
    /// How the machine treats format extensions.
    public struct Options: Sendable {
        /// Budgets for opcodes, stack, memo and operand sizes.
        public var limits: ScanLimits
        /// Whether a BUILD of joblib's `NumpyArrayWrapper` is followed by raw array bytes, as joblib reads it.
        public var joblibArrays: Bool

        /// Creates options.
        public init(limits: ScanLimits = ScanLimits(), joblibArrays: Bool = true) {
            self.limits = limits
            self.joblibArrays = joblibArrays
        }
    }

    var decoder: PickleDecoder
    let source: ByteSource
    let options: Options
    var program: PickleProgram
    var stack: [PickleValue] = []
    var marks: [Int] = []
    var memo = PickleMemo()
    var recent = RecentInstructions()
    var frameEnd: Int?
    var reportedExpansion = false
    /// Set when an opcode leaves the stream in a state the machine cannot follow further.
    var halted = false
    /// Attributes of joblib array wrappers, merged over their constructor call and BUILDs.
    var joblibAttributes: [Int: [String: PickleValue]] = [:]
    /// Where to jump when the decoder reaches the end of a frame, after joblib read an array
    /// from past the frame (see `readJoblibArray`).
    var resumeAfterFrame: (at: Int, to: Int)?
    var nestingDepth: Int

    /// Runs the pickle that starts at `offset` of `source` until STOP, a decoding error or a limit.
    public static func run(_ source: ByteSource, from offset: Int = 0, options: Options = Options()) -> PickleProgram {
        run(source, from: offset, options: options, nestingDepth: 0)
    }

    static func run(_ source: ByteSource, from offset: Int, options: Options, nestingDepth: Int) -> PickleProgram {
        let empty = PickleProgram(range: offset..<offset, completed: false, instructionCount: 0)
        guard let decoder = try? PickleDecoder(source, offset: offset, maxOperandLength: options.limits.maxOperandLength) else {
            return empty
        }
        var machine = PickleMachine(decoder: decoder, source: source, options: options, program: empty, nestingDepth: nestingDepth)
        machine.program.heap.source = source
        machine.stack.reserveCapacity(64)
        machine.execute()
        return machine.program
    }

    private init(decoder: PickleDecoder, source: ByteSource, options: Options, program: PickleProgram, nestingDepth: Int) {
        self.decoder = decoder
        self.source = source
        self.options = options
        self.program = program
        self.nestingDepth = nestingDepth
    }

    private mutating func execute() {
        let limits = options.limits
        while true {
            if program.instructionCount >= limits.maxPickleOpcodes {
                anomaly(.resourceLimit, "more than \(limits.maxPickleOpcodes) opcodes; the rest was not analysed", at: decoder.reader.offset)
                break
            }
            if let resume = resumeAfterFrame, decoder.reader.offset >= resume.at {
                resumeAfterFrame = nil
                do { try decoder.reader.seek(to: resume.to) } catch { break }
            }
            if decoder.reader.isAtEnd {
                anomaly(.truncated, "the stream ends before STOP", at: decoder.reader.offset)
                break
            }
            let instruction: PickleInstruction
            do {
                instruction = try decoder.next()
            } catch let error as PickleDecodeError {
                record(error)
                break
            } catch {
                anomaly(.truncated, "\(error)", at: decoder.reader.offset)
                break
            }
            program.instructionCount += 1
            recent.push(instruction.offset)
            checkFrame(instruction)
            if instruction.opcode == .stop {
                program.result = pop(instruction)
                program.completed = true
                break
            }
            step(instruction)
            if stack.count > limits.maxPickleStackDepth || marks.count > limits.maxPickleStackDepth {
                anomaly(.resourceLimit, "stack deeper than \(limits.maxPickleStackDepth) entries", at: instruction.offset)
                break
            }
            if memo.count > limits.maxMemoEntries {
                anomaly(.resourceLimit, "memo larger than \(limits.maxMemoEntries) entries", at: instruction.offset)
                break
            }
            if halted { break }
        }
        program.range = program.range.lowerBound..<decoder.reader.offset
    }

    private mutating func record(_ error: PickleDecodeError) {
        switch error {
        case let .invalidOpcode(byte, offset):
            anomaly(.invalidOpcode, "byte 0x\(String(byte, radix: 16)) is not a pickle opcode", at: offset)
        case let .truncated(opcode, offset, detail):
            anomaly(.truncated, "\(opcode.name) operand is cut off: \(detail)", at: offset)
        case let .oversized(opcode, offset, length):
            anomaly(opcode == .frame ? .frameViolation : .oversizedOperand,
                    "\(opcode.name) declares \(length) bytes, more than the data or the limit allows", at: offset)
        case let .badLiteral(opcode, offset, detail):
            anomaly(.truncated, "\(opcode.name) operand is not valid: \(detail)", at: offset)
        }
    }

    mutating func anomaly(_ kind: PickleAnomalyKind, _ message: String, at offset: Int) {
        program.anomalies.append(PickleAnomaly(kind: kind, message: message, offset: offset))
    }

    @inline(__always)
    private mutating func checkFrame(_ instruction: PickleInstruction) {
        guard let end = frameEnd else { return }
        let instructionEnd = instruction.offset + instruction.length
        if instruction.offset < end && instructionEnd > end {
            anomaly(.frameViolation, "\(instruction.opcode.name) crosses the end of its frame", at: instruction.offset)
        }
        if instruction.offset >= end { frameEnd = nil }
    }

    // MARK: Stack primitives

    mutating func push(_ value: PickleValue) { stack.append(value) }

    mutating func pop(_ instruction: PickleInstruction) -> PickleValue {
        guard stack.count > (marks.last ?? 0) else {
            anomaly(.inconsistentStack, "\(instruction.opcode.name) pops an empty stack", at: instruction.offset)
            return program.heap.unknown("empty stack")
        }
        return stack.removeLast()
    }

    func top() -> PickleValue? { stack.count > (marks.last ?? 0) ? stack.last : nil }

    mutating func popToMark(_ instruction: PickleInstruction) -> [PickleValue] {
        guard let mark = marks.popLast() else {
            anomaly(.inconsistentStack, "\(instruction.opcode.name) finds no MARK", at: instruction.offset)
            return []
        }
        let items = Array(stack[mark...])
        stack.removeLast(stack.count - mark)
        return items
    }

    mutating func checkExpansion(_ value: PickleValue, at offset: Int) {
        guard !reportedExpansion, program.heap.logicalSize(value) > options.limits.maxLogicalElements else { return }
        reportedExpansion = true
        anomaly(.resourceLimit, "shared references expand to more than \(options.limits.maxLogicalElements) elements (memo expansion)", at: offset)
    }
}

/// Offsets of the last few instructions, kept so findings can show the code around an import.
///
/// A fixed tuple rather than an array: it is written for every opcode, so it must not allocate
/// or check uniqueness.
struct RecentInstructions {
    private var slots: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
    private var written = 0
    /// A power of two, so the ring index wraps with a mask.
    static let capacity = 8

    @inline(__always)
    mutating func push(_ offset: Int) {
        let index = written & (Self.capacity - 1)
        withUnsafeMutableBytes(of: &slots) { $0.storeBytes(of: offset, toByteOffset: index * MemoryLayout<Int>.stride, as: Int.self) }
        written &+= 1
    }

    /// The kept offsets, oldest first.
    var ordered: [Int] {
        let count = min(written, Self.capacity)
        return withUnsafeBytes(of: slots) { raw in
            (0..<count).map { k in
                let index = (written - count + k) & (Self.capacity - 1)
                return raw.load(fromByteOffset: index * MemoryLayout<Int>.stride, as: Int.self)
            }
        }
    }
}
