import VetFixtures
import Testing
import VetBytes
import VetFormats
@testable import VetGraphs

@Suite struct TensorFlowGraphTests {
    /// A GraphDef with one node carrying a string attribute, a func attribute and a list attribute,
    /// and a library function (field numbers from graph.proto, node_def.proto, function.proto).
    static let graphDef: [UInt8] = ProtobufWriter { graph in
        graph.message(1) { node in
            node.string(1, "call")
            node.string(2, "StatefulPartitionedCall")
            node.string(3, "x")
            node.message(5) { $0.string(1, "f"); $0.message(2) { $0.message(10) { $0.string(1, "body") } } }
            node.message(5) { $0.string(1, "config"); $0.message(2) { $0.string(2, "") } }
            node.message(5) { $0.string(1, "urls"); $0.message(2) { $0.message(1) { $0.string(2, "file:///a"); $0.string(2, "b") } } }
        }
        graph.message(2) { library in
            library.message(1) { function in
                function.message(1) { $0.string(1, "body"); $0.message(2) { $0.string(1, "x") } }
                function.message(3) { $0.string(1, "read"); $0.string(2, "ReadFile") }
            }
        }
        graph.message(4) { $0.varint(1, 1087) }
    }.bytes

    static let savedModel: [UInt8] = ProtobufWriter { model in
        model.varint(1, 1)
        model.message(2) { meta in
            meta.message(1) { $0.string(4, "serve") }
            meta.bytes(2, graphDef)
            meta.message(3) { $0.string(1, "saver_filename:0"); $0.string(2, "S_1:0"); $0.string(3, "S_2") }
        }
    }.bytes

    @Test func parsesGraphDefNodesAttributesAndFunctions() throws {
        let graph = TensorFlowGraph.parse(ByteSource(Self.graphDef), as: .graphDef)
        #expect(graph.anomalies.isEmpty)
        #expect(graph.nodes.map(\.op) == ["StatefulPartitionedCall", "ReadFile"])
        #expect(graph.nodes[0].calledFunctions == ["body"])
        #expect(graph.nodes[0].stringAttributes["urls"] == ["file:///a", "b"])
        #expect(graph.nodes[1].function == "body")
        #expect(graph.functions == ["body"])
    }

    @Test func parsesSavedModelWithSaver() throws {
        let graph = TensorFlowGraph.parse(ByteSource(Self.savedModel), as: .savedModel)
        #expect(graph.anomalies.isEmpty)
        #expect(graph.schemaVersion == 1)
        #expect(graph.metaGraphCount == 1)
        #expect(graph.nodes.count == 2)
        #expect(graph.savers == [TensorFlowSaver(metaGraph: 0, filenameTensorName: "saver_filename:0",
                                                 saveTensorName: "S_1:0", restoreOpName: "S_2")])
    }

    @Test func sniffing() {
        #expect(TensorFlowGraph.looksLikeSavedModel(ByteSource(Self.savedModel)))
        #expect(!TensorFlowGraph.looksLikeGraphDef(ByteSource(Self.savedModel)))
        #expect(TensorFlowGraph.looksLikeGraphDef(ByteSource(Self.graphDef)))
        #expect(!TensorFlowGraph.looksLikeSavedModel(ByteSource(Self.graphDef)))
        #expect(!ONNXModel.looksLike(ByteSource(Self.savedModel)))
        #expect(!ONNXModel.looksLike(ByteSource(Self.graphDef)))
        #expect(!TensorFlowGraph.looksLikeGraphDef(ByteSource(Array("{\"a\": 1}".utf8))))
    }

    @Test func truncatedGraphIsMalformed() {
        let graph = TensorFlowGraph.parse(ByteSource(Self.graphDef + [0x0A, 0x50, 0x0A]), as: .graphDef)
        #expect(graph.anomalies.map(\.kind) == [.malformed])
        #expect(graph.nodes.count == 2)
    }

    @Test func elementLimitStopsTheWalk() {
        var limits = ProtobufLimits()
        limits.maxElements = 1
        let graph = TensorFlowGraph.parse(ByteSource(Self.graphDef), as: .graphDef, limits: limits)
        #expect(graph.anomalies.map(\.kind) == [.limitExceeded])
    }
}
