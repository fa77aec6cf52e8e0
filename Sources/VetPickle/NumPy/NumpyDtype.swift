/// The storage layout of a NumPy dtype, as far as a scanner needs it.
public struct NumpyDtype: Sendable, Equatable {
    /// Bytes per element.
    public var itemSize: Int
    /// Whether elements are Python object references (stored as a pickle).
    public var isObject: Bool

    /// Creates a layout.
    public init(itemSize: Int, isObject: Bool) {
        self.itemSize = itemSize
        self.isObject = isObject
    }

    /// Parses an array-protocol type string such as `<f4`, `|b1`, `|O`, `<U5` or `|V12`.
    /// - Returns: `nil` for strings NumPy would not accept.
    public static func parse(typeString: String) -> NumpyDtype? {
        var text = Substring(typeString)
        if let first = text.first, "<>|=".contains(first) { text = text.dropFirst() }
        guard let kind = text.first else { return nil }
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
            // datetime64 and timedelta64 carry a unit suffix such as `[ns]`, always 8 bytes.
            guard digits.hasPrefix("8") || typeString.contains("8[") else { return nil }
            return NumpyDtype(itemSize: 8, isObject: false)
        case "S", "a", "V": return NumpyDtype(itemSize: size ?? 0, isObject: false)
        case "U":
            guard let size, case (let bytes, false) = size.multipliedReportingOverflow(by: 4) else {
                return size == nil ? NumpyDtype(itemSize: 0, isObject: false) : nil
            }
            return NumpyDtype(itemSize: bytes, isObject: false)
        default: return nil
        }
    }
}
