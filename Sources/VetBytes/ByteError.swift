/// Why a read from a byte region failed.
public enum ByteError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A read of `needed` bytes at `offset` ran past the end of a region of `available` bytes.
    case outOfBounds(offset: Int, needed: Int, available: Int)
    /// A length or offset taken from the input does not fit in `Int` or overflowed when combined.
    case overflow(String)
    /// The operating system refused to open, inspect or map a file.
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case let .outOfBounds(offset, needed, available):
            return "read of \(needed) byte(s) at offset \(offset) runs past the end (\(available) bytes)"
        case let .overflow(what): return "arithmetic overflow: \(what)"
        case let .io(path, reason): return "\(path): \(reason)"
        }
    }
}

/// Overflow-checked arithmetic on values that come from input.
public enum Checked {
    /// Returns `a + b`, throwing when the sum does not fit.
    public static func add(_ a: Int, _ b: Int, _ what: @autoclosure () -> String = "sum") throws -> Int {
        let (r, o) = a.addingReportingOverflow(b)
        if o { throw ByteError.overflow(what()) }
        return r
    }

    /// Returns `a * b`, throwing when the product does not fit.
    public static func multiply(_ a: Int, _ b: Int, _ what: @autoclosure () -> String = "product") throws -> Int {
        let (r, o) = a.multipliedReportingOverflow(by: b)
        if o { throw ByteError.overflow(what()) }
        return r
    }

    /// Converts an unsigned length from the input to `Int`, throwing when it does not fit.
    public static func int<T: BinaryInteger>(_ value: T, _ what: @autoclosure () -> String = "length") throws -> Int {
        guard let v = Int(exactly: value) else { throw ByteError.overflow("\(what()) \(value) does not fit") }
        return v
    }
}
