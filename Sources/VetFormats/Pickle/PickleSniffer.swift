import VetBytes

/// Decides from content alone whether bytes are a pickle stream.
public enum PickleSniffer {
    /// How many opcodes a protocol 0/1 candidate must decode cleanly to count as a pickle.
    static let window = 64

    /// Whether `source` starts with a pickle: a PROTO 2–5 header, or protocol 0/1 opcodes that
    /// decode cleanly up to STOP (or through a long window) and include at least one structural opcode.
    public static func looksLikePickle(_ source: ByteSource, at offset: Int = 0) -> Bool {
        looksLikePickle(source, at: offset, requireImport: false)
    }

    /// Whether an operand is itself a pickle: a PROTO 2–5 header, or protocol 0/1 opcodes that
    /// reach STOP and import something (short strings such as `'0.'` decode as opcodes by chance).
    public static func looksLikeEmbeddedPickle(_ source: ByteSource) -> Bool {
        looksLikePickle(source, at: 0, requireImport: true)
    }

    static func looksLikePickle(_ source: ByteSource, at offset: Int, requireImport: Bool) -> Bool {
        guard let first = source.byte(at: offset) else { return false }
        if first == PickleOpcode.proto.rawValue {
            guard let version = source.byte(at: offset + 1) else { return false }
            return version >= 2 && version <= 5
        }
        guard let opcode = PickleOpcode(rawValue: first), opcode.protocolVersion <= 1 else { return false }
        guard var decoder = try? PickleDecoder(source, offset: offset, maxOperandLength: 1 << 20) else { return false }
        var count = 0
        var structural = false
        var imports = false
        while count < window {
            guard let instruction = try? decoder.next() else { return false }
            count += 1
            switch instruction.opcode {
            case .stop: return requireImport ? imports : (structural || count > 1)
            case .global, .inst:
                structural = true
                imports = true
            case .reduce, .mark, .tuple, .dict, .list, .emptyDict, .emptyList, .emptyTuple, .put, .binPut, .setItem, .append:
                structural = true
            default: break
            }
            if decoder.reader.isAtEnd { return false }
        }
        return structural && !requireImport
    }
}
