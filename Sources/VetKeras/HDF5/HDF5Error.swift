import VetCore
import VetBytes

/// Why an HDF5 file (or the part of it a caller asked for) could not be read.
public struct HDF5Error: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Sendable {
        /// The bytes break the format: bad signature, version, length, address or structure.
        case malformed
        /// Valid HDF5 this reader does not implement (dense attribute or link storage, shared messages).
        case unsupported
        /// A count, size or chain length passed the reader's budget.
        case limit
    }

    /// The kind of failure.
    public var kind: Kind
    /// A sentence for a person.
    public var message: String
    /// Absolute byte offset in the file where the problem was seen.
    public var offset: Int

    /// Creates an error.
    public init(_ kind: Kind, _ message: String, at offset: Int) {
        self.kind = kind
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(message) at byte \(offset)" }

    /// Maps any error thrown while reading to an `HDF5Error`, keeping those that already are.
    static func wrap(_ error: any Error, at offset: Int) -> HDF5Error {
        if let error = error as? HDF5Error { return error }
        if let error = error as? ByteError {
            switch error {
            case let .outOfBounds(at, needed, available):
                return HDF5Error(.malformed, "read of \(needed) byte(s) runs past the end (\(available) bytes)", at: at)
            case let .overflow(what): return HDF5Error(.malformed, "arithmetic overflow: \(what)", at: offset)
            case .io: break
            }
        }
        return HDF5Error(.malformed, "\(error)", at: offset)
    }
}

/// Budgets for one HDF5 file, so crafted structures cannot make the reader loop or allocate without bound.
public struct HDF5Limits: Sendable, Equatable {
    /// Header messages read from one object header, over all its chunks.
    public var maxMessages = 65_536
    /// Continuation chunks followed for one object header.
    public var maxContinuations = 1_024
    /// Attributes returned for one object.
    public var maxAttributes = 65_536
    /// Elements decoded from one attribute.
    public var maxElements = 1_000_000
    /// Bytes of attribute values (strings included) decoded for one object.
    public var maxValueBytes = 256 << 20
    /// Links listed for one group.
    public var maxLinks = 100_000
    /// B-tree nodes visited for one group.
    public var maxTreeNodes = 100_000
    /// Nesting of datatypes (variable-length of variable-length …) and of B-tree levels.
    public var maxDepth = 32

    /// The defaults.
    public init() {}

    /// The HDF5 budgets of a scan's limits.
    public init(_ scan: ScanLimits) {
        maxMessages = scan.maxHDF5Messages
        maxContinuations = scan.maxHDF5Continuations
        maxAttributes = scan.maxHDF5Attributes
        maxElements = scan.maxHDF5Elements
        maxValueBytes = scan.maxHDF5ValueBytes
        maxLinks = scan.maxHDF5Links
        maxTreeNodes = scan.maxHDF5TreeNodes
        maxDepth = scan.maxHDF5Depth
    }
}

extension ByteReader {
    /// Reads an unsigned little-endian integer of `size` bytes (1, 2, 4 or 8), as HDF5 stores offsets and lengths.
    mutating func hdf5Unsigned(_ size: Int) throws -> UInt64 {
        switch size {
        case 1: return UInt64(try u8())
        case 2: return UInt64(try u16le())
        case 4: return UInt64(try u32le())
        case 8: return try u64le()
        default: throw HDF5Error(.malformed, "unsupported field size \(size)", at: offset)
        }
    }

    /// Reads `count` bytes and checks they equal `signature`.
    mutating func hdf5ExpectSignature(_ signature: String) throws {
        let start = offset
        let bytes = try self.bytes(signature.utf8.count)
        guard bytes.elementsEqual(signature.utf8) else {
            throw HDF5Error(.malformed, "expected signature \(signature)", at: start)
        }
    }
}
