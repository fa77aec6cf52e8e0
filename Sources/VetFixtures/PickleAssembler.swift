import VetPickle
/// Emits pickle opcodes byte by byte, for tests, rule examples and crafted fixtures.
///
/// Nothing here runs a pickle; it only writes bytes. Methods return a modified copy so calls chain.
public struct PickleAssembler: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []
    /// The declared protocol; default opcodes are chosen to match it.
    public let protocolVersion: Int

    /// Starts a stream, with a PROTO header when `protocolVersion` is given.
    public init(protocolVersion: Int? = 4) {
        self.protocolVersion = protocolVersion ?? 1
        if let protocolVersion { bytes = [PickleOpcode.proto.rawValue, UInt8(truncatingIfNeeded: protocolVersion)] }
    }

    /// Appends an opcode and raw operand bytes.
    public func op(_ opcode: PickleOpcode, _ operand: [UInt8] = []) -> PickleAssembler {
        var copy = self
        copy.bytes.append(opcode.rawValue)
        copy.bytes.append(contentsOf: operand)
        return copy
    }

    /// Appends arbitrary bytes (junk, truncated tails).
    public func raw(_ data: [UInt8]) -> PickleAssembler {
        var copy = self
        copy.bytes.append(contentsOf: data)
        return copy
    }

    /// Appends another assembled stream.
    public func then(_ other: PickleAssembler) -> PickleAssembler { raw(other.bytes) }

    static func littleEndian(_ value: UInt64, width: Int) -> [UInt8] {
        (0..<width).map { UInt8(truncatingIfNeeded: value >> (8 * UInt64($0))) }
    }

    /// A str operand: SHORT_BINUNICODE, BINUNICODE or BINUNICODE8 by length unless `opcode` is given.
    public func unicode(_ text: String, opcode: PickleOpcode? = nil) -> PickleAssembler {
        let utf8 = Array(text.utf8)
        switch opcode ?? (utf8.count < 256 && protocolVersion >= 4 ? .shortBinUnicode : .binUnicode) {
        case .shortBinUnicode: return op(.shortBinUnicode, [UInt8(truncatingIfNeeded: utf8.count)] + utf8)
        case .binUnicode8: return op(.binUnicode8, Self.littleEndian(UInt64(utf8.count), width: 8) + utf8)
        case .unicode: return op(.unicode, utf8 + [0x0A])
        case .string: return op(.string, Array("'\(text)'".utf8) + [0x0A])
        case .shortBinString: return op(.shortBinString, [UInt8(truncatingIfNeeded: utf8.count)] + utf8)
        case .binString: return op(.binString, Self.littleEndian(UInt64(utf8.count), width: 4) + utf8)
        case .shortBinBytes: return op(.shortBinBytes, [UInt8(truncatingIfNeeded: utf8.count)] + utf8)
        default: return op(.binUnicode, Self.littleEndian(UInt64(utf8.count), width: 4) + utf8)
        }
    }

    /// A bytes operand (SHORT_BINBYTES or BINBYTES by length).
    public func binBytes(_ data: [UInt8]) -> PickleAssembler {
        // SHORT_BINBYTES and BINBYTES are both protocol 3 opcodes.
        data.count < 256 ? op(.shortBinBytes, [UInt8(data.count)] + data)
            : op(.binBytes, Self.littleEndian(UInt64(data.count), width: 4) + data)
    }

    /// A small non-negative integer (BININT1, BININT2 or BININT).
    public func int(_ value: Int) -> PickleAssembler {
        switch value {
        case 0..<256: return op(.binInt1, [UInt8(value)])
        case 256..<65536: return op(.binInt2, Self.littleEndian(UInt64(value), width: 2))
        default: return op(.binInt, Self.littleEndian(UInt64(UInt32(truncatingIfNeeded: value)), width: 4))
        }
    }

    /// Any 64-bit integer as LONG1: little-endian two's complement, as short as the value allows.
    public func long(_ value: Int) -> PickleAssembler {
        var bytes = withUnsafeBytes(of: value.littleEndian, Array.init)
        while bytes.count > 1, (bytes[bytes.count - 1] == 0 && bytes[bytes.count - 2] & 0x80 == 0)
            || (bytes[bytes.count - 1] == 0xFF && bytes[bytes.count - 2] & 0x80 != 0) {
            bytes.removeLast()
        }
        return op(.long1, [UInt8(bytes.count)] + bytes)
    }

    /// GLOBAL with text operands `module\nname\n`.
    public func global(_ module: String, _ name: String) -> PickleAssembler {
        op(.global, Array(module.utf8) + [0x0A] + Array(name.utf8) + [0x0A])
    }

    /// INST with text operands; the arguments must already be on the stack after a MARK.
    public func inst(_ module: String, _ name: String) -> PickleAssembler {
        op(.inst, Array(module.utf8) + [0x0A] + Array(name.utf8) + [0x0A])
    }

    /// Two str operands then STACK_GLOBAL.
    public func stackGlobal(_ module: String, _ name: String) -> PickleAssembler {
        unicode(module).unicode(name).op(.stackGlobal)
    }

    /// BINPUT (or LONG_BINPUT above 255) into memo slot `index`.
    public func put(_ index: Int) -> PickleAssembler {
        index < 256 ? op(.binPut, [UInt8(index)]) : op(.longBinPut, Self.littleEndian(UInt64(index), width: 4))
    }

    /// BINGET (or LONG_BINGET above 255) from memo slot `index`.
    public func get(_ index: Int) -> PickleAssembler {
        index < 256 ? op(.binGet, [UInt8(index)]) : op(.longBinGet, Self.littleEndian(UInt64(index), width: 4))
    }

    /// Pushes `module.name` with STACK_GLOBAL (GLOBAL below protocol 4), a tuple of str arguments, and REDUCE.
    public func call(_ module: String, _ name: String, _ arguments: [String]) -> PickleAssembler {
        let callee = protocolVersion >= 4 ? stackGlobal(module, name) : global(module, name)
        return arguments.reduce(callee.op(.mark)) { $0.unicode($1) }.op(.tuple).op(.reduce)
    }

    /// STOP.
    public func stop() -> PickleAssembler { op(.stop) }

    /// A complete pickle that calls `module.name(*arguments)` and stops.
    public static func callPickle(_ module: String, _ name: String, _ arguments: [String], protocolVersion: Int = 4) -> [UInt8] {
        PickleAssembler(protocolVersion: protocolVersion).call(module, name, arguments).stop().bytes
    }

    /// A complete benign pickle: a dict of one str key to a small list.
    public static func benignPickle(protocolVersion: Int = 4) -> [UInt8] {
        PickleAssembler(protocolVersion: protocolVersion).op(.emptyDict).unicode("weights").op(.emptyList)
            .op(.mark).int(1).int(2).op(.appends).op(.setItem).stop().bytes
    }
}
