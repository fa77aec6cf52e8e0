/// Tensor element types of ggml, with their block layout (from the `gguf` package's table).
public enum GGMLType: UInt32, Sendable, CaseIterable {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case iq2_xxs = 16, iq2_xs = 17, iq3_xxs = 18, iq1_s = 19, iq4_nl = 20, iq3_s = 21, iq2_s = 22, iq4_xs = 23
    case i8 = 24, i16 = 25, i32 = 26, i64 = 27, f64 = 28, iq1_m = 29, bf16 = 30, tq1_0 = 34, tq2_0 = 35
    case mxfp4 = 39, nvfp4 = 40, q1_0 = 41

    /// Elements per block and bytes per block.
    public var block: (elements: Int, bytes: Int) {
        switch self {
        case .f32: (1, 4)
        case .f16, .bf16, .i16: (1, 2)
        case .q4_0, .iq4_nl: (32, 18)
        case .q4_1: (32, 20)
        case .q5_0: (32, 22)
        case .q5_1: (32, 24)
        case .q8_0: (32, 34)
        case .q8_1: (32, 40)
        case .q2_K: (256, 84)
        case .q3_K, .iq3_s: (256, 110)
        case .q4_K: (256, 144)
        case .q5_K: (256, 176)
        case .q6_K: (256, 210)
        case .q8_K: (256, 292)
        case .iq2_xxs, .tq2_0: (256, 66)
        case .iq2_xs: (256, 74)
        case .iq3_xxs: (256, 98)
        case .iq1_s: (256, 50)
        case .iq2_s: (256, 82)
        case .iq4_xs: (256, 136)
        case .i8: (1, 1)
        case .i32: (1, 4)
        case .i64, .f64: (1, 8)
        case .iq1_m: (256, 56)
        case .tq1_0: (256, 54)
        case .mxfp4: (32, 17)
        case .nvfp4: (64, 36)
        case .q1_0: (128, 18)
        }
    }
}
