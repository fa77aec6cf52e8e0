import VetBytes

extension ONNXModel {
    /// Parses `source` as a `ModelProto`, walking graphs, subgraphs and functions without copying
    /// tensor payloads.
    ///
    /// Wire errors and spent budgets become anomalies; what was read before them is kept.
    public static func parse(_ source: ByteSource, limits: ProtobufLimits = ProtobufLimits()) -> ONNXModel {
        var walker = ONNXWalker(budget: ProtobufBudget(limits))
        do { try walker.model(ProtobufReader(source)) } catch let error as ProtobufError {
            walker.model.anomaly(error)
        } catch {
            walker.model.anomalies.append(ONNXAnomaly(kind: .malformed, message: "\(error)", offset: 0))
        }
        return walker.model
    }
}

/// Walks the ONNX messages; field numbers are those of onnx/onnx.proto.
struct ONNXWalker {
    var budget: ProtobufBudget
    var model = ONNXModel()

    mutating func next(_ reader: inout ProtobufReader) throws -> ProtobufField? { try budget.next(&reader) }

    /// The field as a string; one longer than the limit is cut and reported.
    mutating func text(_ field: ProtobufField) -> String {
        let (text, cut) = budget.text(field)
        if let cut { model.anomaly(cut) }
        return text
    }

    mutating func model(_ message: ProtobufReader) throws {
        var reader = message
        while let field = try next(&reader) {
            switch field.number {
            case 1: model.irVersion = field.int64
            case 2: model.producerName = text(field)
            case 3: model.producerVersion = text(field)
            case 7:
                guard let sub = field.message else { continue }
                model.hasGraph = true
                try graph(sub, scope: "graph", depth: 1, isMain: true)
            case 8:
                guard var sub = field.message else { continue }
                var entry = ONNXOpsetImport(domain: "", version: 0)
                while let inner = try next(&sub) {
                    if inner.number == 1 { entry.domain = text(inner) }
                    if inner.number == 2 { entry.version = inner.int64 ?? 0 }
                }
                model.opsetImports.append(entry)
            case 20:
                // TrainingInfoProto: initialization (1) and algorithm (2) are graphs.
                guard var sub = field.message else { continue }
                while let inner = try next(&sub) {
                    guard inner.number == 1 || inner.number == 2, let graphReader = inner.message else { continue }
                    try graph(graphReader, scope: inner.number == 1 ? "training/initialization" : "training/algorithm", depth: 2)
                }
            case 25:
                guard let sub = field.message else { continue }
                try function(sub)
            default: break
            }
        }
    }

    mutating func graph(_ message: ProtobufReader, scope: String, depth: Int, isMain: Bool = false) throws {
        try budget.enter(depth: depth, at: message.baseOffset)
        var reader = message
        while let field = try next(&reader) {
            guard let sub = field.message else { continue }
            switch field.number {
            case 1: try node(sub, scope: scope, depth: depth + 1)
            case 5: try tensor(sub, role: .initializer, scope: scope, depth: depth + 1)
            case 15: try sparseTensor(sub, role: .sparseInitializer, scope: scope, depth: depth + 1)
            case 11, 12:
                guard isMain else { continue }
                let name = try valueInfoName(sub)
                if field.number == 11 { model.graphInputs.append(name) } else { model.graphOutputs.append(name) }
            default: break
            }
        }
    }

    mutating func valueInfoName(_ message: ProtobufReader) throws -> String {
        var reader = message
        var name = ""
        while let field = try next(&reader) {
            if field.number == 1 { name = text(field) }
        }
        return name
    }

    mutating func node(_ message: ProtobufReader, scope: String, depth: Int) throws {
        try budget.enter(depth: depth, at: message.baseOffset)
        try budget.element(at: message.baseOffset)
        var entry = ONNXNode(name: "", opType: "", domain: "", scope: scope, offset: message.baseOffset)
        var attributes: [ProtobufReader] = []
        var reader = message
        while let field = try next(&reader) {
            switch field.number {
            case 3: entry.name = text(field)
            case 4: entry.opType = text(field)
            case 7: entry.domain = text(field)
            case 5: if let sub = field.message { attributes.append(sub) }
            default: break
            }
        }
        model.nodes.append(entry)
        let label = entry.name.isEmpty ? entry.opType : entry.name
        for attribute in attributes {
            try self.attribute(attribute, scope: scope + "/" + label, depth: depth + 1)
        }
    }

    /// AttributeProto: `t` (5), `g` (6), `tensors` (10), `graphs` (11), `sparse_tensor` (22), `sparse_tensors` (23).
    mutating func attribute(_ message: ProtobufReader, scope: String, depth: Int) throws {
        try budget.enter(depth: depth, at: message.baseOffset)
        var name = ""
        var reader = message
        var nested: [(Int, ProtobufReader)] = []
        while let field = try next(&reader) {
            if field.number == 1 { name = text(field) }
            if [5, 6, 10, 11, 22, 23].contains(field.number), let sub = field.message { nested.append((field.number, sub)) }
        }
        let inner = scope + "." + (name.isEmpty ? "attribute" : name)
        for (number, sub) in nested {
            switch number {
            case 5, 10: try tensor(sub, role: .attribute, scope: inner, depth: depth + 1)
            case 22, 23: try sparseTensor(sub, role: .attribute, scope: inner, depth: depth + 1)
            default: try graph(sub, scope: inner, depth: depth + 1)
            }
        }
    }

    mutating func sparseTensor(_ message: ProtobufReader, role: ONNXTensorRole, scope: String, depth: Int) throws {
        try budget.enter(depth: depth, at: message.baseOffset)
        var reader = message
        var parts: [ProtobufReader] = []
        while let field = try next(&reader) {
            // SparseTensorProto: values (1) and indices (2) are TensorProtos.
            if field.number == 1 || field.number == 2, let sub = field.message { parts.append(sub) }
        }
        for part in parts { try tensor(part, role: role, scope: scope, depth: depth + 1) }
    }

    /// TensorProto: name (8), raw_data (9), external_data (13), data_location (14), data_type (2).
    mutating func tensor(_ message: ProtobufReader, role: ONNXTensorRole, scope: String, depth: Int) throws {
        try budget.enter(depth: depth, at: message.baseOffset)
        try budget.element(at: message.baseOffset)
        var entry = ONNXTensor(name: "", dataType: 0, dataLocation: 0, externalData: [], rawData: nil,
                               role: role, scope: scope, offset: message.baseOffset)
        var reader = message
        while let field = try next(&reader) {
            switch field.number {
            case 2: entry.dataType = field.int64 ?? 0
            case 8: entry.name = text(field)
            case 9: entry.rawData = field.bytes
            case 14: entry.dataLocation = field.int64 ?? 0
            case 13:
                guard var sub = field.message else { continue }
                var key = "", value = ""
                while let inner = try next(&sub) {
                    if inner.number == 1 { key = text(inner) }
                    if inner.number == 2 { value = text(inner) }
                }
                entry.externalData.append((key, value))
            default: break
            }
        }
        model.tensors.append(entry)
    }

    /// FunctionProto: name (1), node (7), domain (10).
    mutating func function(_ message: ProtobufReader) throws {
        try budget.element(at: message.baseOffset)
        var entry = ONNXFunction(domain: "", name: "", offset: message.baseOffset)
        var bodies: [ProtobufReader] = []
        var reader = message
        while let field = try next(&reader) {
            switch field.number {
            case 1: entry.name = text(field)
            case 10: entry.domain = text(field)
            case 7: if let sub = field.message { bodies.append(sub) }
            default: break
            }
        }
        model.functions.append(entry)
        let scope = "function:" + (entry.domain.isEmpty ? "" : entry.domain + ".") + entry.name
        for body in bodies { try node(body, scope: scope, depth: 2) }
    }
}
