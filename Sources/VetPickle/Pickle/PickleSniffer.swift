import VetBytes
import VetCore

/// Decides from content alone whether bytes are a pickle stream.
public enum PickleSniffer {
    /// How many opcodes a protocol 0/1 candidate must decode cleanly to count as a pickle.
    static let window = 64

    /// Whether `source` starts with a pickle: a PROTO 0–5 header (CPython loads any of them), or
    /// protocol 0/1 opcodes that decode cleanly through the window, or up to a STOP after a
    /// structural opcode or a second opcode.
    public static func looksLikePickle(_ source: ByteSource, at offset: Int = 0) -> Bool {
        guard let first = source.byte(at: offset) else { return false }
        if first == PickleOpcode.proto.rawValue {
            guard let version = source.byte(at: offset + 1) else { return false }
            return version <= 5
        }
        guard let opcode = PickleOpcode(rawValue: first), opcode.protocolVersion <= 1 else { return false }
        guard var decoder = try? PickleDecoder(source, offset: offset, maxOperandLength: 1 << 20) else { return false }
        var count = 0
        var structural = false
        while count < window {
            let start = decoder.reader.offset
            guard let opcode = decoder.skipNext() else { return false }
            count += 1
            // Text (source code, CSV) often decodes as opcodes; an import whose names are not Python
            // identifiers fails in any loader, so such a stream is not treated as a pickle.
            if opcode == .global || opcode == .inst {
                guard var probe = try? PickleDecoder(source, offset: start, maxOperandLength: 1 << 20),
                      let instruction = try? probe.next(), case let .pair(module, name) = instruction.operand,
                      isIdentifierPath(PythonLiteral.utf8(source.clampedSlice(module))),
                      isIdentifierPath(PythonLiteral.utf8(source.clampedSlice(name))) else { return false }
            }
            switch opcode {
            case .stop: return structural || count > 1
            case .global, .inst, .reduce, .mark, .tuple, .dict, .list, .emptyDict, .emptyList, .emptyTuple, .put, .binPut,
                 .setItem, .append:
                structural = true
            default: break
            }
            if decoder.reader.isAtEnd { return false }
        }
        // A full window of valid opcodes is a pickle whatever they are (NONE/POP padding included).
        return true
    }

    /// Whether `text` is a dotted path of Python identifiers (ASCII letters, digits, underscores; no
    /// leading digit), as importable module and attribute names are.
    public static func isIdentifierPath(_ text: String) -> Bool {
        guard !text.isEmpty else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { part in
            guard let first = part.utf8.first, !(0x30...0x39).contains(first) else { return false }
            return part.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || $0 >= 0x80 }
        }
    }

    /// The bytes a text operand encodes as hex or base64, with the encoding's name; `nil` for text
    /// that is neither (names, prose: anything with other characters).
    public static func decodedText(_ operand: ByteSource) -> ([UInt8], String)? {
        operand.withUnsafeBytes { bytes -> ([UInt8], String)? in
            if let hex = Hex.decode(bytes) { return (hex, "hex") }
            if let base64 = Base64.decode(bytes) { return (base64, "base64") }
            return nil
        }
    }

    /// `decodedText`, for text whose decoding starts with a pickle opcode only: the first byte is
    /// decoded before the whole, so names and prose cost no allocation.
    public static func decodedPickleText(_ operand: ByteSource) -> ([UInt8], String)? {
        let opens = operand.withUnsafeBytes { bytes in
            [Hex.firstByte(bytes), Base64.firstByte(bytes)].contains { $0.map { PickleOpcode(rawValue: $0) != nil } ?? false }
        }
        guard opens, let (decoded, encoding) = decodedText(operand),
              let head = decoded.first, PickleOpcode(rawValue: head) != nil else { return nil }
        return (decoded, encoding)
    }

    /// What an operand decodes to when read as a pickle.
    public enum EmbeddedShape: Sendable {
        /// Not a pickle: it fails before STOP.
        case none
        /// A complete pickle that imports something.
        case importing
        /// A complete pickle without imports that carries long string or bytes operands, which may
        /// be a further stage.
        case carrier
        /// A complete pickle of plain values.
        case plain
    }

    /// Whether an operand is itself a pickle. Binary operands (array data) often start like a
    /// PROTO header, and short strings such as `'0.'` decode as opcodes, by chance; so an embedded
    /// pickle must decode cleanly to STOP, whatever its first bytes.
    public static func embeddedShape(_ source: ByteSource) -> EmbeddedShape {
        guard var decoder = try? PickleDecoder(source, maxOperandLength: source.count) else { return .none }
        var imports = false
        var carries = false
        for _ in 0..<1_000_000 {
            let start = decoder.reader.offset
            guard let opcode = decoder.skipNext() else { return .none }
            switch opcode {
            case .stop: return imports ? .importing : carries ? .carrier : .plain
            case .global, .inst, .stackGlobal, .ext1, .ext2, .ext4: imports = true
            case .string, .binString, .shortBinString, .unicode, .binUnicode, .shortBinUnicode, .binUnicode8,
                 .binBytes, .shortBinBytes, .binBytes8, .byteArray8:
                if decoder.reader.offset - start >= 16 { carries = true }
            default: break
            }
        }
        return .none
    }
}

/// What a pickle loader handed these bytes would do, up to the point where it would stop.
///
/// The machine carries on past semantic errors to find payloads behind them; a real loader
/// raises at the first one. The probe therefore judges only what precedes the first anomaly.
public struct PickleProbe: Sendable {
    /// The loader reaches STOP without any error.
    public var completesCleanly: Bool
    /// Opcodes executed before STOP or the first error.
    public var instructions: Int
    /// The loader imports a dotted Python name (a find_class that can succeed) before any error.
    public var imports: Bool
    /// The loader also calls or builds such an import before any error.
    public var calls: Bool
    /// Where the loader would raise, when it would (the offset of the machine's first anomaly).
    public var firstError: Int?

    /// Runs `source` from its first byte through the pickle machine.
    /// - Parameters:
    ///   - source: The bytes a loader would read.
    ///   - limits: Scan limits.
    public static func run(_ source: ByteSource, limits: ScanLimits) -> PickleProbe {
        guard let first = source.byte(at: 0), PickleOpcode(rawValue: first) != nil else {
            return PickleProbe(completesCleanly: false, instructions: 0, imports: false, calls: false, firstError: 0)
        }
        let program = PickleMachine.run(source, options: .init(limits: limits, joblibArrays: false))
        let firstError = program.anomalies.compactMap(\.offset).min()
        let limit = firstError ?? Int.max
        let named = Set(program.imports.indices.filter { program.imports[$0].hasIdentifierNames && program.imports[$0].offset < limit })
        let calls = program.calls.contains { call in call.offset < limit && call.importIndex.map(named.contains) == true }
        return PickleProbe(completesCleanly: program.completed && program.anomalies.isEmpty, instructions: program.instructionCount,
                           imports: !named.isEmpty, calls: calls, firstError: firstError)
    }
}
