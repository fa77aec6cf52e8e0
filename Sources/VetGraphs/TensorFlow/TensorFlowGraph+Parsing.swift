import VetBytes

extension TensorFlowGraph {
    /// Parses `source` as a `SavedModel` or a `GraphDef`, walking every graph and function library.
    ///
    /// Wire errors and spent budgets become anomalies; what was read before them is kept.
    public static func parse(_ source: ByteSource, as kind: Kind, limits: ProtobufLimits = ProtobufLimits()) -> TensorFlowGraph {
        var walker = TensorFlowWalker(budget: ProtobufBudget(limits), graph: TensorFlowGraph(kind: kind))
        do {
            switch kind {
            case .savedModel: try walker.savedModel(ProtobufReader(source))
            case .graphDef:
                walker.graph.metaGraphCount = 1
                try walker.graphDef(ProtobufReader(source), metaGraph: 0)
            case .metaGraph:
                walker.graph.metaGraphCount = 1
                try walker.metaGraph(ProtobufReader(source), index: 0)
            }
        } catch let error as ProtobufError {
            walker.graph.anomaly(error)
        } catch {
            walker.graph.anomalies.append(TensorFlowAnomaly(kind: .malformed, message: "\(error)", offset: 0))
        }
        return walker.graph
    }
}

/// Walks TensorFlow messages; field numbers are those of tensorflow/core/protobuf/saved_model.proto,
/// meta_graph.proto, saver.proto and tensorflow/core/framework/{graph,node_def,function,attr_value}.proto.
struct TensorFlowWalker {
    var budget: ProtobufBudget
    var graph: TensorFlowGraph

    mutating func next(_ reader: inout ProtobufReader) throws -> ProtobufField? { try budget.next(&reader) }

    /// The field as a string; one longer than the limit is cut and reported.
    mutating func text(_ field: ProtobufField) -> String {
        let (text, cut) = budget.text(field)
        if let cut { graph.anomaly(cut) }
        return text
    }

    /// SavedModel: saved_model_schema_version (1), meta_graphs (2).
    mutating func savedModel(_ message: ProtobufReader) throws {
        var reader = message
        while let field = try next(&reader) {
            if field.number == 1 { graph.schemaVersion = field.int64 }
            if field.number == 2, let sub = field.message {
                try metaGraph(sub, index: graph.metaGraphCount)
                graph.metaGraphCount += 1
            }
        }
    }

    /// MetaGraphDef: graph_def (2), saver_def (3), asset_file_def (6: AssetFileDef filename 2).
    mutating func metaGraph(_ message: ProtobufReader, index: Int) throws {
        var reader = message
        while let field = try next(&reader) {
            guard var sub = field.message else { continue }
            if field.number == 2 { try graphDef(sub, metaGraph: index) }
            if field.number == 6 {
                var asset = TensorFlowAsset(metaGraph: index, filename: "", offset: field.payloadOffset)
                while let inner = try next(&sub) {
                    if inner.number == 2 { asset.filename = text(inner) }
                }
                graph.assets.append(asset)
            }
            if field.number == 3 {
                var saver = TensorFlowSaver(metaGraph: index, filenameTensorName: "", saveTensorName: "", restoreOpName: "")
                while let inner = try next(&sub) {
                    switch inner.number {
                    case 1: saver.filenameTensorName = text(inner)
                    case 2: saver.saveTensorName = text(inner)
                    case 3: saver.restoreOpName = text(inner)
                    default: break
                    }
                }
                graph.savers.append(saver)
            }
        }
    }

    /// GraphDef: node (1), library (2).
    mutating func graphDef(_ message: ProtobufReader, metaGraph: Int) throws {
        var reader = message
        while let field = try next(&reader) {
            guard let sub = field.message else { continue }
            if field.number == 1 { try node(sub, function: nil, metaGraph: metaGraph) }
            if field.number == 2 { try library(sub, metaGraph: metaGraph) }
        }
    }

    /// FunctionDefLibrary: function (1) → FunctionDef: signature (1, OpDef.name 1), node_def (3).
    mutating func library(_ message: ProtobufReader, metaGraph: Int) throws {
        var reader = message
        while let field = try next(&reader) {
            guard field.number == 1, var function = field.message else { continue }
            try budget.element(at: field.offset)
            var name = ""
            var bodies: [ProtobufReader] = []
            while let inner = try next(&function) {
                if inner.number == 1, var signature = inner.message {
                    while let part = try next(&signature) { if part.number == 1 { name = text(part) } }
                }
                if inner.number == 3, let body = inner.message { bodies.append(body) }
            }
            graph.functions.append(name)
            for body in bodies { try node(body, function: name, metaGraph: metaGraph) }
        }
    }

    /// NodeDef: name (1), op (2), input (3), attr (5: map entry key 1, AttrValue 2).
    ///
    /// A map entry that carries its value twice is merged by protobuf (a later empty value does not
    /// erase an earlier string), so every value of an entry is read.
    mutating func node(_ message: ProtobufReader, function: String?, metaGraph: Int) throws {
        try budget.element(at: message.baseOffset)
        var entry = TensorFlowNode(name: "", op: "", function: function, metaGraph: metaGraph,
                                   stringAttributes: [:], calledFunctions: [], offset: message.baseOffset)
        var reader = message
        while let field = try next(&reader) {
            switch field.number {
            case 1: entry.name = text(field)
            case 2: entry.op = text(field)
            case 3: entry.inputs.append(text(field))
            case 5:
                guard var pair = field.message else { continue }
                var key = ""
                var values: [ProtobufReader] = []
                while let inner = try next(&pair) {
                    if inner.number == 1 { key = text(inner) }
                    if inner.number == 2, let value = inner.message { values.append(value) }
                }
                for value in values { try attribute(value, key: key, into: &entry) }
            default: break
            }
        }
        graph.nodes.append(entry)
    }

    /// AttrValue: list (1: ListValue s 2, func 9), s (2), tensor (8: TensorProto string_val 8),
    /// func (10: NameAttrList name 1).
    mutating func attribute(_ message: ProtobufReader, key: String, into entry: inout TensorFlowNode) throws {
        var reader = message
        while let field = try next(&reader) {
            switch field.number {
            case 2: entry.stringAttributes[key, default: []].append(text(field))
            case 8:
                guard var tensor = field.message else { continue }
                while let item = try next(&tensor) {
                    if item.number == 8 { entry.stringAttributes[key, default: []].append(text(item)) }
                }
            case 10: if let sub = field.message { entry.calledFunctions.append(try functionName(sub)) }
            case 1:
                guard var list = field.message else { continue }
                while let item = try next(&list) {
                    if item.number == 2 { entry.stringAttributes[key, default: []].append(text(item)) }
                    if item.number == 9, let sub = item.message { entry.calledFunctions.append(try functionName(sub)) }
                }
            default: break
            }
        }
    }

    mutating func functionName(_ message: ProtobufReader) throws -> String {
        var reader = message
        var name = ""
        while let field = try next(&reader) { if field.number == 1 { name = text(field) } }
        return name
    }
}
