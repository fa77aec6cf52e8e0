import VetFixtures
import Testing
import VetBytes
import VetFormats
@testable import VetGraphs

@Suite struct TFLiteModelTests {
    static func model(codes: [FlatValue], opcodeIndices: [UInt32]) -> [UInt8] {
        let operators: [FlatValue] = opcodeIndices.map { .table([.uint32($0)]) }
        let subgraph: FlatValue = .table([nil, nil, nil, .ref(.vector(operators)), .ref(.string("main"))])
        let root: FlatValue = .table([.uint32(3), .ref(.vector(codes)), .ref(.vector([subgraph])), .ref(.string("desc")),
                                      .ref(.vector([.table([]), .table([.ref(.bytes([1, 2, 3, 4]))])]))])
        return FlatBufferWriter.build(root, identifier: "TFL3")
    }

    static let sample = model(codes: [
        .table([.int8(0), nil, .int32(1)]),                                  // ADD via deprecated code only
        .table([.int8(32), .ref(.string("MyOp")), .int32(1), .int32(32)]),   // custom
        .table([.int8(127), nil, .int32(1), .int32(150)]),                   // builtin code > 127
    ], opcodeIndices: [0, 1, 2, 1])

    @Test func readsCodesOperatorsAndBuffers() throws {
        let model = TFLiteModel.parse(ByteSource(Self.sample))
        #expect(model.anomalies.isEmpty)
        #expect(model.version == 3)
        #expect(model.description == "desc")
        #expect(model.operatorCodes.map(\.builtinCode) == [0, 32, 150])
        #expect(model.operatorCodes.map(\.customCode) == [nil, "MyOp", nil])
        #expect(model.operators.map(\.opcodeIndex) == [0, 1, 2, 1])
        #expect(model.subgraphNames == ["main"])
        #expect(model.bufferCount == 2)
    }

    @Test func sniffsIdentifier() {
        #expect(TFLiteModel.sniff(ByteSource(Self.sample)))
        #expect(!TFLiteModel.sniff(ByteSource([8, 0, 0, 0] + Array("TFL2".utf8) + [0, 0, 0, 0])))
        #expect(!TFLiteModel.sniff(ByteSource([0xFF, 0, 0, 0] + Array("TFL3".utf8))))
    }

    @Test func badOpcodeIndexIsMalformed() {
        let bytes = Self.model(codes: [.table([.int8(0)])], opcodeIndices: [0, 5])
        #expect(TFLiteModel.parse(ByteSource(bytes)).anomalies.map(\.kind) == [.malformed])
    }

    @Test func everyTruncationIsAnAnomalyNotACrash() {
        for length in 0..<Self.sample.count {
            let model = TFLiteModel.parse(ByteSource(Array(Self.sample.prefix(length))))
            #expect(!model.anomalies.isEmpty || length == Self.sample.count, "prefix \(length)")
        }
    }

    @Test func corruptedBytesNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            var bytes = Self.sample
            for _ in 0..<3 {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[index] = UInt8.random(in: 0...255, using: &generator)
            }
            _ = TFLiteModel.parse(ByteSource(bytes), maxElements: 1000)
        }
    }

    @Test func bufferDataPastTheEndIsMalformed() {
        let root: FlatValue = .table([.uint32(3), nil, nil, nil, .ref(.vector([.table([nil, .uint64(64), .uint64(1 << 20)])]))])
        let model = TFLiteModel.parse(ByteSource(FlatBufferWriter.build(root, identifier: "TFL3")))
        #expect(model.anomalies.map(\.kind) == [.malformed])
    }

    @Test func vtableOutsideTheBufferIsAnError() {
        // Root table at 8 whose soffset points 4 GB back.
        let bytes: [UInt8] = [8, 0, 0, 0] + Array("TFL3".utf8) + [0xFF, 0xFF, 0xFF, 0x7F]
        #expect(TFLiteModel.parse(ByteSource(bytes)).anomalies.map(\.kind) == [.malformed])
    }
}
