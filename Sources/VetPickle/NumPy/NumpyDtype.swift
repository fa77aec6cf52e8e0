/// The storage layout of a NumPy dtype, as far as a scanner needs it.
public struct NumpyDtype: Sendable, Equatable {
    /// Bytes per element.
    public var itemSize: Int
    /// Whether elements are Python object references (stored as a pickle).
    public var isObject: Bool
    /// Whether the element size is set per dtype (bytes `S`, text `U`, void `V`) rather than by the kind.
    public var isFlexible = false

    /// Creates a layout.
    public init(itemSize: Int, isObject: Bool, isFlexible: Bool = false) {
        self.itemSize = itemSize
        self.isObject = isObject
        self.isFlexible = isFlexible
    }

    /// Parses an array-protocol type string such as `<f4`, `|b1`, `|O`, `<U5` or `|V12`.
    /// - Returns: `nil` for strings NumPy would not accept.
    public static func parse(typeString: String) -> NumpyDtype? {
        if let alias = aliases[typeString] { return parse(typeString: alias) }
        var text = Substring(typeString)
        if let first = text.first, "<>|=".contains(first) { text = text.dropFirst() }
        guard let kind = text.first else { return nil }
        // datetime64 and timedelta64 carry a unit suffix such as `[ns]`.
        var unit: Substring = ""
        if kind == "m" || kind == "M", let bracket = text.firstIndex(of: "[") {
            unit = text[bracket...]
            text = text[..<bracket]
        }
        guard unit.isEmpty || (unit.hasSuffix("]") && unit.dropFirst().dropLast().allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) })
        else { return nil }
        let digits = text.dropFirst()
        let size: Int?
        if digits.isEmpty { size = nil } else {
            guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits), value < 1 << 40 else { return nil }
            size = value
        }
        switch kind {
        case "O": return NumpyDtype(itemSize: 8, isObject: true)
        case "?": return NumpyDtype(itemSize: 1, isObject: false)
        case "b", "i", "u", "f", "c":
            guard let size, [1, 2, 4, 8, 16].contains(size) || (kind == "c" && size == 32) else { return nil }
            return NumpyDtype(itemSize: size, isObject: false)
        case "m", "M":
            // Always 8 bytes; the unit is optional (generic `<M8`).
            guard size == nil || size == 8 else { return nil }
            return NumpyDtype(itemSize: 8, isObject: false)
        case "S", "a", "V": return NumpyDtype(itemSize: size ?? 0, isObject: false, isFlexible: true)
        case "U":
            guard let size, case (let bytes, false) = size.multipliedReportingOverflow(by: 4) else {
                return size == nil ? NumpyDtype(itemSize: 0, isObject: false, isFlexible: true) : nil
            }
            return NumpyDtype(itemSize: bytes, isObject: false, isFlexible: true)
        default: return nil
        }
    }

    /// Type names and one-character codes `numpy.dtype` also accepts, as type strings (x86-64 sizes).
    static let aliases: [String: String] = [
        "float16": "f2", "float32": "f4", "float64": "f8", "complex64": "c8", "complex128": "c16",
        "int8": "i1", "int16": "i2", "int32": "i4", "int64": "i8", "uint8": "u1", "uint16": "u2", "uint32": "u4", "uint64": "u8",
        "bool": "?", "object": "O", "e": "f2", "f": "f4", "d": "f8", "g": "f16", "F": "c8", "D": "c16",
        "B": "u1", "h": "i2", "H": "u2", "i": "i4", "I": "u4", "l": "i8", "L": "u8", "q": "i8", "Q": "u8",
    ]
}
