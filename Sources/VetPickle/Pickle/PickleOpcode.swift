/// How an opcode's argument is encoded after the opcode byte.
public enum PickleArgument: Sendable, Equatable {
    /// No argument.
    case none
    /// A fixed number of raw bytes (integers, floats, memo indexes).
    case fixed(Int)
    /// A newline-terminated text line (protocol 0 forms).
    case line
    /// Two newline-terminated lines (GLOBAL and INST: module, then name).
    case twoLines
    /// A little-endian length of the given width, then that many bytes.
    case lengthPrefixed(Int)
}

/// Every opcode of pickle protocols 0–5, keyed by its byte.
public enum PickleOpcode: UInt8, Sendable, CaseIterable {
    case mark = 0x28, stop = 0x2E, pop = 0x30, popMark = 0x31, dup = 0x32
    case float = 0x46, int = 0x49, binInt = 0x4A, binInt1 = 0x4B, long = 0x4C, binInt2 = 0x4D
    case none = 0x4E, persID = 0x50, binPersID = 0x51, reduce = 0x52
    case string = 0x53, binString = 0x54, shortBinString = 0x55, unicode = 0x56, binUnicode = 0x58
    case append = 0x61, build = 0x62, global = 0x63, dict = 0x64, emptyDict = 0x7D, appends = 0x65
    case get = 0x67, binGet = 0x68, inst = 0x69, longBinGet = 0x6A, list = 0x6C, emptyList = 0x5D
    case obj = 0x6F, put = 0x70, binPut = 0x71, longBinPut = 0x72, setItem = 0x73, tuple = 0x74
    case emptyTuple = 0x29, setItems = 0x75, binFloat = 0x47
    // Protocol 2.
    case proto = 0x80, newObj = 0x81, ext1 = 0x82, ext2 = 0x83, ext4 = 0x84
    case tuple1 = 0x85, tuple2 = 0x86, tuple3 = 0x87, newTrue = 0x88, newFalse = 0x89
    case long1 = 0x8A, long4 = 0x8B
    // Protocol 3.
    case binBytes = 0x42, shortBinBytes = 0x43
    // Protocol 4.
    case shortBinUnicode = 0x8C, binUnicode8 = 0x8D, binBytes8 = 0x8E, emptySet = 0x8F
    case addItems = 0x90, frozenSet = 0x91, newObjEx = 0x92, stackGlobal = 0x93, memoize = 0x94, frame = 0x95
    // Protocol 5.
    case byteArray8 = 0x96, nextBuffer = 0x97, readonlyBuffer = 0x98

    /// The name CPython's `pickletools` gives this opcode.
    public var name: String {
        switch self {
        case .mark: "MARK"
        case .stop: "STOP"
        case .pop: "POP"
        case .popMark: "POP_MARK"
        case .dup: "DUP"
        case .float: "FLOAT"
        case .int: "INT"
        case .binInt: "BININT"
        case .binInt1: "BININT1"
        case .long: "LONG"
        case .binInt2: "BININT2"
        case .none: "NONE"
        case .persID: "PERSID"
        case .binPersID: "BINPERSID"
        case .reduce: "REDUCE"
        case .string: "STRING"
        case .binString: "BINSTRING"
        case .shortBinString: "SHORT_BINSTRING"
        case .unicode: "UNICODE"
        case .binUnicode: "BINUNICODE"
        case .append: "APPEND"
        case .build: "BUILD"
        case .global: "GLOBAL"
        case .dict: "DICT"
        case .emptyDict: "EMPTY_DICT"
        case .appends: "APPENDS"
        case .get: "GET"
        case .binGet: "BINGET"
        case .inst: "INST"
        case .longBinGet: "LONG_BINGET"
        case .list: "LIST"
        case .emptyList: "EMPTY_LIST"
        case .obj: "OBJ"
        case .put: "PUT"
        case .binPut: "BINPUT"
        case .longBinPut: "LONG_BINPUT"
        case .setItem: "SETITEM"
        case .tuple: "TUPLE"
        case .emptyTuple: "EMPTY_TUPLE"
        case .setItems: "SETITEMS"
        case .binFloat: "BINFLOAT"
        case .proto: "PROTO"
        case .newObj: "NEWOBJ"
        case .ext1: "EXT1"
        case .ext2: "EXT2"
        case .ext4: "EXT4"
        case .tuple1: "TUPLE1"
        case .tuple2: "TUPLE2"
        case .tuple3: "TUPLE3"
        case .newTrue: "NEWTRUE"
        case .newFalse: "NEWFALSE"
        case .long1: "LONG1"
        case .long4: "LONG4"
        case .binBytes: "BINBYTES"
        case .shortBinBytes: "SHORT_BINBYTES"
        case .shortBinUnicode: "SHORT_BINUNICODE"
        case .binUnicode8: "BINUNICODE8"
        case .binBytes8: "BINBYTES8"
        case .emptySet: "EMPTY_SET"
        case .addItems: "ADDITEMS"
        case .frozenSet: "FROZENSET"
        case .newObjEx: "NEWOBJ_EX"
        case .stackGlobal: "STACK_GLOBAL"
        case .memoize: "MEMOIZE"
        case .frame: "FRAME"
        case .byteArray8: "BYTEARRAY8"
        case .nextBuffer: "NEXT_BUFFER"
        case .readonlyBuffer: "READONLY_BUFFER"
        }
    }

    /// How the argument that follows the opcode byte is encoded.
    public var argument: PickleArgument {
        switch self {
        case .float, .int, .long, .persID, .string, .unicode, .get, .put: .line
        case .global, .inst: .twoLines
        case .binInt, .longBinGet, .longBinPut, .ext4: .fixed(4)
        case .binInt1, .binGet, .binPut, .proto, .ext1: .fixed(1)
        case .binInt2, .ext2: .fixed(2)
        case .binFloat, .frame: .fixed(8)
        case .shortBinString, .shortBinBytes, .shortBinUnicode, .long1: .lengthPrefixed(1)
        case .binString, .binUnicode, .binBytes, .long4: .lengthPrefixed(4)
        case .binUnicode8, .binBytes8, .byteArray8: .lengthPrefixed(8)
        default: .none
        }
    }

    /// The lowest protocol version that defines this opcode.
    public var protocolVersion: Int {
        switch rawValue {
        case 0x80...0x8B: 2
        case 0x42, 0x43: 3
        case 0x8C...0x95: 4
        case 0x96...0x98: 5
        case 0x29, 0x47, 0x4A, 0x4B, 0x4D, 0x51, 0x54, 0x55, 0x58, 0x5D, 0x62, 0x65, 0x68, 0x6A, 0x6F, 0x71, 0x72, 0x75, 0x7D: 1
        default: 0
        }
    }
}
