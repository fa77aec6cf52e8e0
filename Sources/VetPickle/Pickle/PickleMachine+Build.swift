import VetBytes

extension PickleMachine {
    /// BUILD: applies state to the object below it; joblib's array wrapper then reads raw bytes.
    mutating func build(_ i: PickleInstruction) {
        let state = pop(i)
        switch top() {
        case let .object(object)?:
            program.heap.objects[object].state = state
            let callee = program.heap.objects[object].callee
            let index = importIndex(of: callee)
            program.calls.append(PickleCall(opcode: .build, offset: i.offset, importIndex: index,
                                            calleeSummary: index == nil ? "__setstate__ of " + program.heap.summary(callee) : ""))
            if options.joblibArrays, let index, isJoblibWrapper(program.imports[index]) {
                readJoblibArray(state, i)
            }
        case let .global(index)?:
            // BUILD on a class or function object sets attributes on it: it rewrites code the process shares.
            program.calls.append(PickleCall(opcode: .build, offset: i.offset, importIndex: index,
                                            calleeSummary: "setattr on imported object", mutatesImport: true))
        case nil:
            anomaly(.inconsistentStack, "BUILD has no object to apply state to", at: i.offset)
        case let value?:
            program.calls.append(PickleCall(opcode: .build, offset: i.offset, importIndex: nil,
                                            calleeSummary: "__setstate__ of " + program.heap.summary(value)))
        }
    }

    private func isJoblibWrapper(_ imported: PickleImport) -> Bool {
        imported.isResolved && imported.module == "joblib.numpy_pickle" && imported.name == "NumpyArrayWrapper"
    }

    /// Follows joblib's `NumpyArrayWrapper.read_array`: an optional padding-length byte and padding,
    /// then `count × itemsize` raw bytes, or a nested pickle for object arrays.
    private mutating func readJoblibArray(_ state: PickleValue, _ i: PickleInstruction) {
        guard let dtype = program.heap.dictValue(state, key: "dtype"),
              let layout = NumpyDtypeValue.layout(of: dtype, in: program) else {
            anomaly(.inconsistentStack, "joblib array wrapper without a dtype this scanner can size; the array bytes that follow cannot be framed", at: i.offset)
            halted = true
            return
        }
        stack.removeLast()
        push(program.heap.unknown("joblib array"))
        if layout.isObject {
            readNestedArrayPickle(at: decoder.reader.offset, i)
            return
        }
        var count = 1
        if let shape = program.heap.dictValue(state, key: "shape"), let dims = program.heap.tupleItems(shape) {
            for dim in dims {
                guard let d = program.heap.int(dim), d >= 0, case (let c, false) = count.multipliedReportingOverflow(by: d) else {
                    anomaly(.oversizedOperand, "joblib array shape is not a tuple of small non-negative integers", at: i.offset)
                    halted = true
                    return
                }
                count = c
            }
        }
        let start = decoder.reader.offset
        var skip = 0
        if let alignment = program.heap.dictValue(state, key: "numpy_array_alignment_bytes"), program.heap.int(alignment) != nil {
            guard let padding = source.byte(at: start) else {
                anomaly(.truncated, "joblib array padding byte is missing", at: start)
                halted = true
                return
            }
            skip = 1 + Int(padding)
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: layout.itemSize)
        guard !overflow, bytes <= decoder.reader.remaining - skip else {
            anomaly(.oversizedOperand, "joblib array declares \(count) × \(layout.itemSize) bytes, more than the file holds", at: i.offset)
            halted = true
            return
        }
        do { try decoder.reader.skip(skip + bytes) } catch { halted = true; return }
        program.arrayPayloads.append(start..<(start + skip + bytes))
    }

    /// Object arrays are written by joblib as a complete pickle inside the outer one.
    private mutating func readNestedArrayPickle(at offset: Int, _ i: PickleInstruction) {
        guard nestingDepth < options.limits.maxNestedPickleDepth else {
            anomaly(.resourceLimit, "joblib object arrays nested deeper than \(options.limits.maxNestedPickleDepth)", at: i.offset)
            halted = true
            return
        }
        let inner = PickleMachine.run(source, from: offset, options: options, nestingDepth: nestingDepth + 1)
        let base = program.imports.count
        program.imports.append(contentsOf: inner.imports)
        // The inner program's values live in its own heap: its calls' arguments become unknown
        // here, so helpers that are only safe with safe arguments are not trusted through them.
        let opaque = program.heap.unknown("arguments of a call in a nested pickle")
        program.calls.append(contentsOf: inner.calls.map { call in
            var shifted = call
            shifted.importIndex = call.importIndex.map { $0 + base }
            shifted.argumentValue = opaque
            return shifted
        })
        program.extensions.append(contentsOf: inner.extensions)
        program.anomalies.append(contentsOf: inner.anomalies)
        program.embeddedPickles.append(contentsOf: inner.embeddedPickles)
        program.arrayPayloads.append(contentsOf: inner.arrayPayloads)
        program.instructionCount += inner.instructionCount
        guard inner.completed, (try? decoder.reader.seek(to: inner.range.upperBound)) != nil else {
            halted = true
            return
        }
    }
}
