import VetBytes

/// The decoded argument of one opcode.
///
/// Plain data: text and bytes are kept as byte ranges of the decoder's source (absolute offsets),
/// so decoding an instruction allocates nothing and copying one costs no reference counting.
/// Most strings in a checkpoint (state-dict keys) are never read; those that are read are decoded
/// from the source on demand.
public enum PickleOperand: Sendable, Equatable {
    case none
    case int(Int)
    /// An integer too large for `Int`.
    case bigInt(PickleBigInt)
    case float(Double)
    /// Text the loader decodes to `str` (or, for BINSTRING and STRING, to `str` under the default encoding).
    case text(PickleText)
    /// Where the bytes are in the source.
    case bytes(Range<Int>)
    /// GLOBAL and INST operands: where the module and name lines are in the source.
    case pair(Range<Int>, Range<Int>)
}

/// Text from a pickle operand, as the byte range it occupies and how the loader decodes it.
public enum PickleText: Sendable, Equatable {
    /// BINUNICODE family: UTF-8 (invalid sequences are replaced when read).
    case utf8(Range<Int>)
    /// BINSTRING family and unescaped STRING: UTF-8 when valid, otherwise latin-1, as common
    /// unpickler encodings give.
    case narrow(Range<Int>)
    /// A protocol-0 STRING line with backslash escapes, quotes included (validated when decoded).
    case quoted(Range<Int>)
    /// A protocol-0 UNICODE line: raw-unicode-escape.
    case rawUnicode(Range<Int>)

    /// The text, decoded from `source` (the bytes the operand was read from).
    public func string(in source: ByteSource) -> String {
        switch self {
        case let .utf8(range):
            return PythonLiteral.utf8(source.clampedSlice(range))
        case let .narrow(range):
            let bytes = source.clampedSlice(range)
            return PythonLiteral.validUTF8(bytes) ?? PythonLiteral.latin1(bytes)
        case let .quoted(range):
            let line = source.clampedSlice(range)
            return (try? PythonLiteral.quotedString(PythonLiteral.latin1(line), offset: range.lowerBound)) ?? PythonLiteral.latin1(line)
        case let .rawUnicode(range):
            return PythonLiteral.rawUnicodeEscape(source.clampedSlice(range))
        }
    }
}

/// An integer operand too large for `Int`.
public enum PickleBigInt: Sendable, Equatable {
    /// LONG1/LONG4: two's-complement little-endian bytes.
    case littleEndian(Range<Int>)
    /// INT/LONG text: decimal digits, possibly with underscores (the sign is not kept).
    case decimal(Range<Int>)

    /// The little-endian bytes or the decimal digits (underscores dropped).
    public func bytes(in source: ByteSource) -> [UInt8] {
        switch self {
        case let .littleEndian(range): source.clampedSlice(range).withUnsafeBytes { Array($0) }
        case let .decimal(range): source.clampedSlice(range).withUnsafeBytes { $0.filter { $0 != UInt8(ascii: "_") } }
        }
    }

    /// How many bytes the operand occupies.
    public var byteCount: Int {
        switch self {
        case let .littleEndian(range), let .decimal(range): range.count
        }
    }
}

/// One opcode with its decoded operand.
public struct PickleInstruction: Sendable {
    /// The opcode.
    public var opcode: PickleOpcode
    /// Offset of the opcode byte in the source.
    public var offset: Int
    /// Length including the opcode byte.
    public var length: Int
    /// The decoded argument.
    public var operand: PickleOperand
    /// For length-prefixed operands, where the payload starts.
    public var payloadOffset: Int
}

/// Why an opcode could not be decoded at all.
public enum PickleDecodeError: Error, Sendable {
    case invalidOpcode(UInt8, offset: Int)
    case truncated(PickleOpcode, offset: Int, detail: String)
    case oversized(PickleOpcode, offset: Int, length: UInt64)
    case badLiteral(PickleOpcode, offset: Int, detail: String)

    /// Where the failing opcode starts.
    public var offset: Int {
        switch self {
        case let .invalidOpcode(_, o), let .truncated(_, o, _), let .oversized(_, o, _), let .badLiteral(_, o, _): o
        }
    }
}

/// Decodes opcodes one at a time from a bounds-checked reader.
public struct PickleDecoder: Sendable {
    /// The cursor; its offset is where the next opcode starts.
    public var reader: ByteReader
    /// Longest line or length prefix accepted.
    public let maxOperandLength: Int

    /// Creates a decoder over `source`, starting at `offset`.
    public init(_ source: ByteSource, offset: Int = 0, maxOperandLength: Int) throws {
        reader = source.reader()
        try reader.seek(to: offset)
        self.maxOperandLength = maxOperandLength
    }

    /// Decodes the next instruction.
    /// - Throws: `PickleDecodeError` when the byte is not an opcode or its operand is cut off or absurd.
    @inline(__always)
    public mutating func next() throws -> PickleInstruction {
        let start = reader.offset
        let byte = try reader.u8()
        guard let opcode = PickleOpcode(rawValue: byte) else { throw PickleDecodeError.invalidOpcode(byte, offset: start) }
        do {
            let (operand, payload) = try decodeOperand(opcode, start: start)
            return PickleInstruction(opcode: opcode, offset: start, length: reader.offset - start, operand: operand, payloadOffset: payload)
        } catch let error as ByteError {
            throw PickleDecodeError.truncated(opcode, offset: start, detail: error.description)
        }
    }

    /// Advances past the next instruction without decoding its operand, for sniffing.
    /// - Returns: the opcode, or `nil` for an invalid byte or an operand that is cut off or too
    ///   long (no error value is built: sniffers call this on every string a pickle holds).
    public mutating func skipNext() -> PickleOpcode? {
        guard let byte = try? reader.u8(), let opcode = PickleOpcode(rawValue: byte) else { return nil }
        switch opcode.argument {
        case .none: return opcode
        case let .fixed(width): return (try? reader.skip(width)) == nil ? nil : opcode
        case .line: return (try? reader.line(limit: maxOperandLength)) == nil ? nil : opcode
        case .twoLines:
            guard (try? reader.line(limit: maxOperandLength)) != nil,
                  (try? reader.line(limit: maxOperandLength)) != nil else { return nil }
            return opcode
        case let .lengthPrefixed(width):
            var length: UInt64 = 0
            for shift in 0..<width {
                guard let b = try? reader.u8() else { return nil }
                length |= UInt64(b) << (8 * UInt64(shift))
            }
            guard let n = Int(exactly: length), n <= maxOperandLength, n <= reader.remaining,
                  (try? reader.skip(n)) != nil else { return nil }
            return opcode
        }
    }

    @inline(__always)
    private mutating func decodeOperand(_ opcode: PickleOpcode, start: Int) throws -> (PickleOperand, Int) {
        switch opcode.argument {
        case .none: return (.none, reader.offset)
        case let .fixed(width):
            let payload = reader.offset
            switch opcode {
            case .binFloat: return (.float(Double(bitPattern: try reader.u64be())), payload)
            case .frame: return (.int(try frameLength(start)), payload)
            case .binInt: return (.int(Int(try reader.i32le())), payload)
            case .binInt1, .binGet, .binPut, .ext1: return (.int(Int(try reader.u8())), payload)
            case .binInt2, .ext2: return (.int(Int(try reader.u16le())), payload)
            default:
                var value = 0
                for shift in 0..<width { value |= Int(try reader.u8()) << (8 * shift) }
                return (.int(value), payload)
            }
        case .line:
            let payload = reader.offset
            let line = try reader.lineRange(limit: maxOperandLength)
            return (try PythonLiteral.decodeLine(opcode, reader.source, line, offset: start), payload)
        case .twoLines:
            let module = try reader.lineRange(limit: maxOperandLength)
            let name = try reader.lineRange(limit: maxOperandLength)
            return (.pair(module, name), start + 1)
        case let .lengthPrefixed(width):
            let length = try lengthPrefix(opcode, width: width, start: start)
            let payload = reader.offset
            try reader.skip(length)
            return (PythonLiteral.decodeCounted(opcode, reader.source, payload..<(payload + length)), payload)
        }
    }

    private mutating func frameLength(_ start: Int) throws -> Int {
        let raw = try reader.u64le()
        guard let value = Int(exactly: raw), value <= reader.remaining else {
            throw PickleDecodeError.oversized(.frame, offset: start, length: raw)
        }
        return value
    }

    private mutating func lengthPrefix(_ opcode: PickleOpcode, width: Int, start: Int) throws -> Int {
        let raw: UInt64
        switch width {
        case 1: raw = UInt64(try reader.u8())
        case 4:
            // BINSTRING and LONG4 are signed; a negative length is rejected by CPython.
            let signed = try reader.i32le()
            if (opcode == .binString || opcode == .long4) && signed < 0 {
                throw PickleDecodeError.badLiteral(opcode, offset: start, detail: "negative length \(signed)")
            }
            raw = UInt64(UInt32(bitPattern: signed))
        default: raw = try reader.u64le()
        }
        guard let length = Int(exactly: raw), length <= maxOperandLength else {
            throw PickleDecodeError.oversized(opcode, offset: start, length: raw)
        }
        guard length <= reader.remaining else {
            throw PickleDecodeError.truncated(opcode, offset: start, detail: "declares \(length) bytes but \(reader.remaining) remain")
        }
        return length
    }
}
