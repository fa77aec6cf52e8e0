import Foundation
import Testing
import VetFormats
@testable import VetEngine

/// Golden values from the PyPI `gguf` package's reference dequantiser
/// (Fixtures/engine/make_quant_golden.py writes them).
private struct GoldenRecord {
    var type: GGMLType
    var raw: [UInt8]
    var expected: [Float]
}

private func goldenRecords() throws -> [GoldenRecord] {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/engine/quant_golden.bin")
    let data = [UInt8](try Data(contentsOf: url))
    var records: [GoldenRecord] = []
    var at = 0
    func u32() -> Int {
        defer { at += 4 }
        return Int(UInt32(data[at]) | UInt32(data[at + 1]) << 8 | UInt32(data[at + 2]) << 16 | UInt32(data[at + 3]) << 24)
    }
    while at < data.count {
        let type = try #require(GGMLType(rawValue: UInt32(u32())))
        let count = u32(), bytes = u32()
        let raw = Array(data[at..<(at + bytes)])
        at += bytes
        let expected = (0..<count).map { i -> Float in
            let o = at + i * 4
            return Float(bitPattern: UInt32(data[o]) | UInt32(data[o + 1]) << 8 | UInt32(data[o + 2]) << 16 | UInt32(data[o + 3]) << 24)
        }
        at += count * 4
        records.append(GoldenRecord(type: type, raw: raw, expected: expected))
    }
    return records
}

@Suite("Dequantisation", .enabled(if: EngineHost.supported, Comment(rawValue: EngineHost.notice)))
struct DequantizeTests {
    @Test("every supported type matches the gguf package's dequantiser, block by block")
    func golden() throws {
        let records = try goldenRecords()
        #expect(Set(records.map(\.type)) == [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q4_K, .q5_K, .q6_K, .iq4_nl, .q2_K, .q3_K, .iq4_xs])
        for record in records {
            #expect(Dequantize.supports(record.type))
            var output = [Float](repeating: .nan, count: record.expected.count)
            record.raw.withUnsafeBytes { raw in
                output.withUnsafeMutableBufferPointer { out in
                    Dequantize.row(record.type, raw.baseAddress!, count: record.expected.count, into: out.baseAddress!)
                }
            }
            let perBlock = record.type.block.elements
            for (index, (got, want)) in zip(output, record.expected).enumerated() {
                // The reference computes in float32 too; allow for a different order of operations.
                let tolerance = max(abs(want) * 1e-6, 1e-6)
                if abs(got - want) > tolerance {
                    Issue.record("\(record.type) block \(index / perBlock) element \(index % perBlock): \(got) != \(want)")
                    break
                }
            }
        }
    }

    @Test("types the engine cannot run are refused")
    func unsupported() {
        #expect(!Dequantize.supports(.iq2_xxs))
        #expect(!Dequantize.supports(.iq3_s))
        #expect(!Dequantize.supports(.iq1_s))
    }
}

@Suite("Half precision", .enabled(if: EngineHost.supported, Comment(rawValue: EngineHost.notice)))
struct HalfPrecisionTests {
    @Test("the fast f16 conversion is exact for all 65,536 bit patterns")
    func exhaustive() {
        for bits in 0...UInt16.max {
            let want = Float(Float16(bitPattern: bits))
            let got = Dequantize.halfToFloat(bits)
            if want.isNaN {
                #expect(got.isNaN, "\(bits)")
            } else if got.bitPattern != want.bitPattern {
                Issue.record("f16 0x\(String(bits, radix: 16)): \(got) != \(want)")
                return
            }
        }
    }
}
