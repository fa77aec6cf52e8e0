import VetBytes

extension PickleMachine {
    /// BUILD: applies state to the object below it; joblib's array wrapper then reads raw bytes.
    mutating func build(_ i: PickleInstruction) {
        let state = pop(i)
        switch top() {
        case let .object(object)?:
            object.state = state
            let index: Int? = if case let .global(g) = object.callee { g } else { nil }
            program.calls.append(PickleCall(opcode: .build, offset: i.offset, importIndex: index,
                                            calleeSummary: index == nil ? "__setstate__ of " + object.callee.summary() : ""))
            if options.joblibArrays, let index, isJoblibWrapper(program.imports[index]) {
                readJoblibArray(object, i)
            }
        case let .global(index)?:
            // BUILD on a class or function object sets attributes on it: it rewrites code the process shares.
            program.calls.append(PickleCall(opcode: .build, offset: i.offset, importIndex: index,
                                            calleeSummary: "setattr on imported object", mutatesImport: true))
        case nil:
            anomaly(.inconsistentStack, "BUILD has no object to apply state to", at: i.offset)
        default:
            program.calls.append(PickleCall(opcode: .build, offset: i.offset, importIndex: nil,
                                            calleeSummary: "__setstate__ of " + (top()?.summary() ?? "?")))
        }
    }

    private func isJoblibWrapper(_ imported: PickleImport) -> Bool {
        imported.isResolved && imported.module == "joblib.numpy_pickle" && imported.name == "NumpyArrayWrapper"
    }

    /// Follows joblib's `NumpyArrayWrapper.read_array`: an optional padding-length byte and padding,
    /// then `count × itemsize` raw bytes, or a nested pickle for object arrays.
    private mutating func readJoblibArray(_ wrapper: PickleObject, _ i: PickleInstruction) {
        guard case let .dict(state)? = wrapper.state, let dtype = state.value(forKey: "dtype"),
              let layout = NumpyDtypeValue.layout(of: dtype, imports: program.imports) else {
            anomaly(.inconsistentStack, "joblib array wrapper without a dtype this scanner can size; the array bytes that follow cannot be framed", at: i.offset)
            halted = true
            return
        }
        stack.removeLast()
        push(.unknown("joblib array"))
        if layout.isObject {
            readNestedArrayPickle(at: decoder.reader.offset, i)
            return
        }
        var count = 1
        if let dims = state.value(forKey: "shape")?.tupleItems {
            for dim in dims {
                guard let d = dim.intValue, d >= 0, case (let c, false) = count.multipliedReportingOverflow(by: d) else {
                    anomaly(.oversizedOperand, "joblib array shape is not a tuple of small non-negative integers", at: i.offset)
                    halted = true
                    return
                }
                count = c
            }
        }
        let start = decoder.reader.offset
        var skip = 0
        if let alignment = state.value(forKey: "numpy_array_alignment_bytes"), alignment.intValue != nil {
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
        program.calls.append(contentsOf: inner.calls.map { call in
            var shifted = call
            shifted.importIndex = call.importIndex.map { $0 + base }
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
