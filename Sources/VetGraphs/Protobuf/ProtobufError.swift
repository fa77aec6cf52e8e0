import VetBytes
import VetCore

/// Why a protobuf message could not be read.
public struct ProtobufError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure.
    public enum Kind: String, Sendable, Equatable {
        /// A tag, varint, fixed value or length runs past the end of its message.
        case truncated
        /// A varint longer than ten bytes, or one whose value does not fit.
        case invalidVarint
        /// Wire type 6 or 7, or an end-group tag without a matching start.
        case invalidWireType
        /// Field number 0 or above 2^29 - 1.
        case invalidFieldNumber
        /// A field of the expected number carries the wrong wire type.
        case unexpectedWireType
        /// A depth or count budget ran out.
        case limitExceeded
    }

    /// The kind of failure.
    public var kind: Kind
    /// Absolute byte offset in the file where it happened.
    public var offset: Int
    /// A sentence for a person.
    public var message: String

    /// Creates an error.
    public init(_ kind: Kind, at offset: Int, _ message: String) {
        self.kind = kind
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(message) at offset \(offset)" }
}

/// Budgets for walking protobuf messages, so crafted nesting or counts cannot exhaust a scan.
public struct ProtobufLimits: Sendable, Equatable {
    /// How deep messages may nest; the reference C++ parser's default recursion limit is 100.
    public var maxDepth = 100
    /// Fields that may be visited in one file, over all messages.
    public var maxFields = 50_000_000
    /// Elements (nodes, tensors, functions, attributes) a decoder keeps per file.
    public var maxElements = 2_000_000
    /// Longest string a decoder copies out; longer strings are cut and reported.
    public var maxStringLength = 1 << 16

    /// The defaults.
    public init() {}

    /// The protobuf budgets of a scan's limits.
    public init(_ scan: ScanLimits) {
        maxDepth = scan.maxProtobufDepth
        maxFields = scan.maxProtobufFields
        maxElements = scan.maxGraphElements
        maxStringLength = scan.maxGraphStringLength
    }
}

/// A mutable counter that draws on `ProtobufLimits` while a file is walked.
public struct ProtobufBudget: Sendable {
    /// The limits drawn on.
    public let limits: ProtobufLimits
    /// Fields visited so far.
    public private(set) var fields = 0
    /// Elements kept so far.
    public private(set) var elements = 0

    /// Creates a full budget.
    public init(_ limits: ProtobufLimits = ProtobufLimits()) { self.limits = limits }

    /// Counts one visited field.
    /// - Throws: `ProtobufError.limitExceeded` when the field budget is spent.
    public mutating func field(at offset: Int) throws {
        fields += 1
        if fields > limits.maxFields {
            throw ProtobufError(.limitExceeded, at: offset, "more than \(limits.maxFields) protobuf fields")
        }
    }

    /// Counts one kept element.
    /// - Throws: `ProtobufError.limitExceeded` when the element budget is spent.
    public mutating func element(at offset: Int) throws {
        elements += 1
        if elements > limits.maxElements {
            throw ProtobufError(.limitExceeded, at: offset, "more than \(limits.maxElements) elements")
        }
    }

    /// Reads the next field of `reader`, counting it against the field budget.
    /// - Throws: `ProtobufError` for a malformed field or a spent budget.
    public mutating func next(_ reader: inout ProtobufReader) throws -> ProtobufField? {
        guard let field = try reader.next() else { return nil }
        try self.field(at: field.offset)
        return field
    }

    /// The field as a string, cut at the string limit; a cut string comes with the anomaly to report,
    /// so nothing can hide past the part a rule sees.
    public func text(_ field: ProtobufField) -> (text: String, cut: ProtobufError?) {
        guard let (text, truncated) = field.string(limit: limits.maxStringLength) else { return ("", nil) }
        guard truncated else { return (text, nil) }
        return (text, ProtobufError(.limitExceeded, at: field.payloadOffset,
                                    "string of \(field.bytes?.count ?? 0) bytes exceeds the \(limits.maxStringLength)-byte limit"))
    }

    /// Checks that `depth` is within the nesting limit.
    /// - Throws: `ProtobufError.limitExceeded` when it is not.
    public func enter(depth: Int, at offset: Int) throws {
        if depth > limits.maxDepth {
            throw ProtobufError(.limitExceeded, at: offset, "messages nested deeper than \(limits.maxDepth)")
        }
    }
}
