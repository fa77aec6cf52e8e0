import VetBytes

extension TFLiteModel {
    /// Parses `source` as a TFLite model (slots from tensorflow/compiler/mlir/lite/schema/schema.fbs).
    ///
    /// Out-of-bounds structures and spent budgets become anomalies; what was read before them is kept.
    /// - Parameter maxElements: how many operator codes, subgraphs, operators and buffers are read.
    public static func parse(_ source: ByteSource, maxElements: Int = 2_000_000) -> TFLiteModel {
        var model = TFLiteModel()
        do {
            try model.read(FlatBufferReader(source), source: source, maxElements: maxElements)
        } catch let error as FlatBufferError {
            let kind: TFLiteAnomalyKind = error.message.contains("exceeds the limit") ? .limitExceeded : .malformed
            model.anomaly(kind, error.message, at: error.offset)
        } catch {
            model.anomaly(.malformed, "\(error)", at: 0)
        }
        return model
    }

    /// Model: version 0, operator_codes 1, subgraphs 2, description 3, buffers 4.
    mutating func read(_ buffer: FlatBufferReader, source: ByteSource, maxElements: Int) throws {
        let root = try buffer.root()
        version = try root.scalar(0, UInt32(0))
        description = try root.string(3, limit: 4096)
        var budget = maxElements
        func spend(_ count: Int, at offset: Int) throws {
            budget -= count
            if budget < 0 { throw FlatBufferError(at: offset, "model exceeds the limit of \(maxElements) elements") }
        }
        // OperatorCode: deprecated_builtin_code 0 (int8), custom_code 1, version 2, builtin_code 3.
        for table in try root.tables(1, limit: maxElements) {
            try spend(1, at: table.position)
            let deprecated = Int32(try table.scalar(0, Int8(0)))
            let builtin = try table.scalar(3, Int32(0))
            operatorCodes.append(TFLiteOperatorCode(builtinCode: max(deprecated, builtin), customCode: try table.string(1),
                                                    version: try table.scalar(2, Int32(1)), offset: table.position))
        }
        // SubGraph: operators 3, name 4; Operator: opcode_index 0.
        for (index, subgraph) in try root.tables(2, limit: maxElements).enumerated() {
            try spend(1, at: subgraph.position)
            subgraphNames.append(try subgraph.string(4) ?? "")
            for (position, op) in try subgraph.tables(3, limit: max(budget, 0)).enumerated() {
                try spend(1, at: op.position)
                let opcode = try op.scalar(0, UInt32(0))
                operators.append(TFLiteOperator(subgraph: index, index: position, opcodeIndex: opcode, offset: op.position))
                if Int(opcode) >= operatorCodes.count {
                    anomaly(.malformed, "operator \(position) of subgraph \(index) uses opcode index \(opcode) of \(operatorCodes.count)",
                            at: op.position)
                }
            }
        }
        // Buffer: data 0, offset 1 (u64), size 2 (u64) — offset/size place data after the flatbuffer.
        let buffers = try root.tables(4, limit: max(budget, 0))
        bufferCount = buffers.count
        for table in buffers {
            _ = try table.vectorCount(0, elementSize: 1)
            let offset = try table.scalar(1, UInt64(0))
            let size = try table.scalar(2, UInt64(0))
            guard offset > 1 else { continue }
            let (end, overflow) = offset.addingReportingOverflow(size)
            if overflow || end > UInt64(source.count) {
                anomaly(.malformed, "buffer data at \(offset) of \(size) bytes runs past the end of the file (\(source.count) bytes)",
                        at: table.position)
            }
        }
    }
}
