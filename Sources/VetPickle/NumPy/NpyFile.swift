import VetBytes

/// A parsed `.npy` header and where its data lies.
public struct NpyFile: Sendable {
    /// Format version (major, minor).
    public var version: (major: UInt8, minor: UInt8)
    /// The header's `descr` entry as written (a type string, or a structured description).
    public var descr: PythonLiteralValue
    /// The element layout, when `descr` is understood.
    public var dtype: NumpyDtype?
    /// Whether data is in Fortran order.
    public var fortranOrder: Bool
    /// The array shape.
    public var shape: [Int]
    /// Where the data starts.
    public var dataOffset: Int
    /// Keys other than `descr`, `fortran_order` and `shape`.
    public var extraKeys: [String]

    /// Elements implied by the shape, or `nil` on overflow.
    public var elementCount: Int? {
        var total = 1
        for d in shape {
            let (r, o) = total.multipliedReportingOverflow(by: d)
            if o { return nil }
            total = r
        }
        return total
    }

    /// Why a header was rejected.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// What is wrong.
        public var message: String
        public var description: String { message }
    }

    /// Parses the header of `source`.
    /// - Throws: `NpyFile.Failure` for a bad magic, version, length or header literal.
    public static func parse(_ source: ByteSource) throws -> NpyFile {
        var reader = source.reader()
        do {
            guard try reader.bytes(6) == [0x93] + Array("NUMPY".utf8) else { throw Failure(message: "bad magic") }
            let major = try reader.u8(), minor = try reader.u8()
            let headerLength: Int
            switch major {
            case 1: headerLength = Int(try reader.u16le())
            case 2, 3: headerLength = try Checked.int(try reader.u32le(), "header length")
            default: throw Failure(message: "unknown .npy version \(major).\(minor)")
            }
            let headerView = try reader.view(headerLength)
            let text = major == 3 ? PythonLiteral.utf8(headerView) : PythonLiteral.latin1(headerView)
            guard case let .dict(pairs) = try PythonLiteralParser.parse(text) else {
                throw Failure(message: "header is not a dict")
            }
            var file = NpyFile(version: (major, minor), descr: .none, dtype: nil, fortranOrder: false, shape: [],
                               dataOffset: reader.offset, extraKeys: [])
            var seen = Set<String>()
            for (key, value) in pairs {
                seen.insert(key)
                switch (key, value) {
                case let ("descr", d): file.descr = d; file.dtype = layout(of: d)
                case let ("fortran_order", .bool(b)): file.fortranOrder = b
                case let ("shape", .tuple(dims)):
                    file.shape = try dims.map {
                        guard case let .int(d) = $0, d >= 0 else { throw Failure(message: "shape holds a negative or non-integer size") }
                        return d
                    }
                default:
                    if ["descr", "fortran_order", "shape"].contains(key) { throw Failure(message: "\(key) has the wrong type") }
                    file.extraKeys.append(key)
                }
            }
            guard seen.isSuperset(of: ["descr", "fortran_order", "shape"]) else { throw Failure(message: "header lacks descr, fortran_order or shape") }
            return file
        } catch let error as ByteError {
            throw Failure(message: "truncated header: \(error)")
        } catch let error as PythonLiteralParser.Failure {
            throw Failure(message: "header is not a Python literal: \(error.message)")
        }
    }

    /// The layout of a `descr` value: a type string, or a list of `(name, descr[, shape])` fields.
    static func layout(of descr: PythonLiteralValue) -> NumpyDtype? {
        switch descr {
        case let .string(s): return NumpyDtype.parse(typeString: s)
        case let .list(fields):
            var total = NumpyDtype(itemSize: 0, isObject: false)
            for field in fields {
                guard case let .tuple(parts) = field, parts.count >= 2, let inner = layout(of: parts[1]) else { return nil }
                var count = 1
                if parts.count > 2, case let .tuple(dims) = parts[2] {
                    for case let .int(d) in dims { count = count.multipliedReportingOverflow(by: max(d, 0)).partialValue }
                } else if parts.count > 2, case let .int(d) = parts[2] { count = max(d, 0) }
                let (bytes, o1) = inner.itemSize.multipliedReportingOverflow(by: count)
                let (sum, o2) = total.itemSize.addingReportingOverflow(bytes)
                guard !o1, !o2 else { return nil }
                total.itemSize = sum
                total.isObject = total.isObject || inner.isObject
            }
            return total
        default: return nil
        }
    }
}
