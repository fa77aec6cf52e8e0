import VetBytes

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

    /// Whether an operand is itself a pickle. Binary operands (array data) often start like a
    /// PROTO header, and short strings such as `'0.'` decode as opcodes, by chance; so an embedded
    /// pickle must decode cleanly to STOP and import something, whatever its first bytes.
    public static func looksLikeEmbeddedPickle(_ source: ByteSource) -> Bool {
        guard var decoder = try? PickleDecoder(source, maxOperandLength: source.count) else { return false }
        var imports = false
        for _ in 0..<1_000_000 {
            guard let opcode = decoder.skipNext() else { return false }
            switch opcode {
            case .stop: return imports
            case .global, .inst, .stackGlobal, .ext1, .ext2, .ext4: imports = true
            default: break
            }
        }
        return false
    }
}
