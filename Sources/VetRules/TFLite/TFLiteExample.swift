import VetFixtures

/// Builds small TFLite models for rule examples and tests.
public enum TFLiteExample {
    /// An operator code: a builtin code, or `BuiltinOperator.CUSTOM` (32) with a custom code.
    public enum Code: Sendable {
        /// A builtin operator such as ADD (0) or CONV_2D (3).
        case builtin(Int32)
        /// A custom operator.
        case custom(String)
    }

    /// A model with one subgraph that runs one operator per entry of `codes`, in order, plus any
    /// `extraOpcodeIndices` (which may point past the codes).
    public static func model(_ codes: [Code], extraOpcodeIndices: [UInt32] = []) -> [UInt8] {
        let operatorCodes: [FlatValue] = codes.map { code in
            switch code {
            case let .builtin(value):
                .table([.int8(Int8(clamping: value)), nil, .int32(1), .int32(value)])
            case let .custom(name):
                .table([.int8(32), .ref(.string(name)), .int32(1), .int32(32)])
            }
        }
        let indices = codes.indices.map { UInt32($0) } + extraOpcodeIndices
        let operators: [FlatValue] = indices.map { .table([.uint32($0), .ref(.int32s([0])), .ref(.int32s([1]))]) }
        let subgraph: FlatValue = .table([.ref(.vector([])), .ref(.int32s([0])), .ref(.int32s([1])),
                                          .ref(.vector(operators)), .ref(.string("main"))])
        let root: FlatValue = .table([.uint32(3), .ref(.vector(operatorCodes)), .ref(.vector([subgraph])),
                                      .ref(.string("modelvet example")), .ref(.vector([.table([])]))])
        return FlatBufferWriter.build(root, identifier: "TFL3")
    }

    /// A model of builtin ADD and CONV_2D operators.
    public static var valid: [UInt8] { model([.builtin(0), .builtin(3)]) }
}
