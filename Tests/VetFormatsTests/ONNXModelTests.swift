import VetFixtures
import Testing
import VetBytes
import VetFormats
@testable import VetGraphs

@Suite struct ONNXModelTests {
    /// A model with an If node whose branch holds a Custom node and an external initializer.
    static let nested: [UInt8] = ProtobufWriter { model in
        model.varint(1, 9)
        model.string(2, "pytorch")
        model.string(3, "2.3")
        model.message(7) { graph in
            graph.message(1) { node in
                node.string(3, "cond")
                node.string(4, "If")
                node.message(5) { attribute in
                    attribute.string(1, "then_branch")
                    attribute.message(6) { branch in
                        branch.message(1) { $0.string(3, "inner"); $0.string(4, "Exec"); $0.string(7, "evil") }
                        branch.message(5) { tensor in
                            tensor.string(8, "ext")
                            tensor.message(13) { $0.string(1, "location"); $0.string(2, "../x.bin") }
                            tensor.varint(14, 1)
                        }
                    }
                }
            }
            graph.message(5) { $0.string(8, "w"); $0.varint(2, 1); $0.bytes(9, [UInt8](repeating: 1, count: 64)) }
            graph.message(15) { sparse in sparse.message(1) { $0.string(8, "sv") }; sparse.message(2) { $0.string(8, "si") } }
            graph.message(11) { $0.string(1, "input") }
            graph.message(12) { $0.string(1, "output") }
        }
        model.message(8) { $0.string(1, ""); $0.varint(2, 17) }
        model.message(8) { $0.string(1, "evil"); $0.varint(2, 1) }
        model.message(25) { fn in
            fn.string(1, "Block")
            fn.string(10, "local")
            fn.message(7) { $0.string(4, "Add") }
        }
    }.bytes

    @Test func walksGraphsSubgraphsAndFunctions() throws {
        let model = ONNXModel.parse(ByteSource(Self.nested))
        #expect(model.anomalies.isEmpty)
        #expect(model.irVersion == 9)
        #expect(model.producerName == "pytorch")
        #expect(model.opsetImports == [ONNXOpsetImport(domain: "", version: 17), ONNXOpsetImport(domain: "evil", version: 1)])
        #expect(model.nodes.map(\.opType) == ["If", "Exec", "Add"])
        #expect(model.nodes[1].domain == "evil")
        #expect(model.nodes[1].scope == "graph/cond.then_branch")
        #expect(model.nodes[2].scope == "function:local.Block")
        #expect(model.functions.map(\.name) == ["Block"])
        #expect(model.graphInputs == ["input"])
        #expect(model.graphOutputs == ["output"])
        let ext = try #require(model.tensors.first { $0.name == "ext" })
        #expect(ext.dataLocation == 1)
        #expect(ext.externalValue("location") == "../x.bin")
        #expect(ext.role == .initializer)
        let weight = try #require(model.tensors.first { $0.name == "w" })
        #expect(weight.rawData?.count == 64)
        #expect(model.tensors.filter { $0.role == .sparseInitializer }.map(\.name) == ["sv", "si"])
    }

    @Test func sniffsModelProtoShape() {
        #expect(ONNXModel.looksLike(ByteSource(Self.nested)))
        #expect(!ONNXModel.looksLike(ByteSource([0x08, 0x01, 0x12, 0x00])))  // no graph: a SavedModel shape
        #expect(!ONNXModel.looksLike(ByteSource(Array("PK\u{3}\u{4}".utf8))))
        #expect(!ONNXModel.looksLike(ByteSource([0x08, 0x07, 0x3A, 0x10])))  // truncated graph
        #expect(!ONNXModel.looksLike(ByteSource([])))
    }

    @Test func truncationIsAnAnomalyAndKeepsEarlierContent() {
        let bytes = Self.nested + [0x3A, 0x40, 0x0A]
        let model = ONNXModel.parse(ByteSource(bytes))
        #expect(model.anomalies.map(\.kind) == [.malformed])
        #expect(model.nodes.count == 3)
    }

    @Test func overlongStringsAreCutAndReported() {
        var limits = ProtobufLimits()
        limits.maxStringLength = 16
        let bytes = ProtobufWriter { model in
            model.varint(1, 8)
            model.message(7) { $0.message(1) { $0.string(4, String(repeating: "A", count: 40) + "/../../etc/passwd") } }
        }.bytes
        let model = ONNXModel.parse(ByteSource(bytes), limits: limits)
        #expect(model.anomalies.map(\.kind) == [.limitExceeded])
        #expect(model.nodes.first?.opType.count == 16)
    }

    @Test func deepNestingHitsTheDepthLimit() {
        var graph = ProtobufWriter { $0.message(1) { $0.string(4, "Relu") } }
        for _ in 0..<60 {
            let inner = graph.bytes
            graph = ProtobufWriter { w in w.message(1) { n in n.string(4, "If"); n.message(5) { $0.bytes(6, inner) } } }
        }
        let body = graph.bytes
        let bytes = ProtobufWriter { $0.varint(1, 8); $0.bytes(7, body) }.bytes
        let model = ONNXModel.parse(ByteSource(bytes))
        #expect(model.anomalies.map(\.kind) == [.limitExceeded])
    }
}

@Suite struct ProtobufFormatRobustnessTests {
    @Test func corruptedONNXAndTensorFlowNeverTrap() {
        var generator = SystemRandomNumberGenerator()
        let samples = [ONNXModelTests.nested, TensorFlowGraphTests.savedModel, TensorFlowGraphTests.graphDef]
        for sample in samples {
            for length in 0...sample.count {
                let prefix = ByteSource(Array(sample.prefix(length)))
                _ = ONNXModel.parse(prefix)
                _ = TensorFlowGraph.parse(prefix, as: .savedModel)
            }
            for _ in 0..<1500 {
                var bytes = sample
                for _ in 0..<3 {
                    bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
                }
                let source = ByteSource(bytes)
                _ = ONNXModel.looksLike(source)
                _ = TensorFlowGraph.looksLikeGraphDef(source)
                _ = ONNXModel.parse(source)
                _ = TensorFlowGraph.parse(source, as: .graphDef)
            }
        }
    }
}
