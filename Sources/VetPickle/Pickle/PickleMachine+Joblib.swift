import VetBytes

/// joblib's array framing, as `NumpyUnpickler.load_build` and `NumpyArrayWrapper.read_array`
/// (joblib 1.2-1.6) read it: after a BUILD on any instance of the wrapper class, the raw array
/// bytes follow in the file, and the unpickler carries on after them.
extension PickleMachine {
    /// The class's import paths: joblib's, and the alias scikit-learn 0.21-0.22 re-exported.
    static let joblibWrapperPaths: Set<String> = [
        "joblib.numpy_pickle.NumpyArrayWrapper", "sklearn.externals.joblib.numpy_pickle.NumpyArrayWrapper",
    ]
    /// Helpers that create an instance of their first argument without calling its `__init__`.
    static let instanceMakers: Set<String> = [
        "copyreg.__newobj__", "copyreg.__newobj_ex__", "copyreg._reconstructor",
        "copy_reg.__newobj__", "copy_reg._reconstructor",
    ]
    /// `NumpyArrayWrapper.__init__`'s positional parameters.
    static let wrapperParameters = ["subclass", "shape", "order", "dtype", "allow_mmap", "numpy_array_alignment_bytes"]

    /// The resolved dotted path of an imported value, if it is one.
    func importedPath(_ value: PickleValue) -> String? {
        guard case let .global(index) = value, program.imports.indices.contains(index), program.imports[index].isResolved else {
            return nil
        }
        return program.imports[index].qualifiedName
    }

    /// Whether the object is an instance of the wrapper: joblib checks `isinstance`, so the class
    /// may be called, NEWOBJ'd or instantiated through copyreg.
    func isJoblibWrapper(_ record: PickleObjectRecord) -> Bool {
        guard let path = importedPath(record.callee) else { return false }
        if Self.joblibWrapperPaths.contains(path) { return true }
        guard Self.instanceMakers.contains(path), let first = program.heap.tupleItems(record.arguments)?.first else { return false }
        return importedPath(first).map(Self.joblibWrapperPaths.contains) ?? false
    }

    /// The wrapper's attributes before this BUILD: what `__init__` set (when the class itself was
    /// called, its alignment defaults to 16) and what earlier BUILDs of the same object merged in.
    func wrapperAttributes(_ object: Int) -> [String: PickleValue] {
        if let known = joblibAttributes[object] { return known }
        let record = program.heap.objects[object]
        guard let path = importedPath(record.callee), Self.joblibWrapperPaths.contains(path),
              [.reduce, .inst, .obj].contains(record.opcode) else { return [:] }
        var attributes: [String: PickleValue] = ["numpy_array_alignment_bytes": .int(16), "allow_mmap": .bool(false)]
        for (name, value) in zip(Self.wrapperParameters, program.heap.tupleItems(record.arguments) ?? []) { attributes[name] = value }
        return attributes
    }

    /// Merges a BUILD state as CPython's `load_build` does without `__setstate__`: a dict updates
    /// `__dict__` key by key (the last duplicate wins), a 2-tuple is `(state, slotstate)`.
    func merge(_ state: PickleValue, into attributes: inout [String: PickleValue]) {
        if let parts = program.heap.tupleItems(state), parts.count == 2 {
            for part in parts { merge(part, into: &attributes) }
            return
        }
        guard case .dict = state, let items = program.heap.containerItems(state) else { return }
        var index = 0
        while index + 1 < items.count {
            if let key = program.heap.string(items[index]) { attributes[key] = items[index + 1] }
            index += 2
        }
    }

    /// Follows `read_array`: an optional padding-length byte and padding, then `count × itemsize`
    /// raw bytes, or a nested pickle for object arrays. Whatever this reading cannot decide is left
    /// to the plain-pickle reading that `PickleStream` runs beside it.
    mutating func readJoblibArray(object: Int, state: PickleValue, _ i: PickleInstruction) {
        var attributes = wrapperAttributes(object)
        merge(state, into: &attributes)
        joblibAttributes[object] = attributes
        guard let dtype = attributes["dtype"], let layout = NumpyDtypeValue.layout(of: dtype, in: program) else {
            anomaly(.inconsistentStack, "joblib array wrapper without a dtype this scanner can size; the array bytes that follow cannot be framed", at: i.offset)
            halted = true
            return
        }
        stack.removeLast()
        push(program.heap.unknown("joblib array"))
        // joblib reads the array from the file object, past the frame the opcodes come from; the
        // rest of the frame then runs, and the stream resumes after the array. No writer does
        // this (joblib ends the frame before an array), so it is reported as well as followed.
        var start = decoder.reader.offset
        if let end = frameEnd, start < end {
            anomaly(.frameViolation, "joblib array wrapper built inside a frame: joblib reads the array after the frame and then runs the frame's remaining opcodes", at: i.offset)
            start = end
        }
        if layout.isObject {
            // An object array's nested pickle past a frame is left to the plain reading.
            guard start == decoder.reader.offset else { halted = true; return }
            readNestedArrayPickle(at: start, i)
            return
        }
        let dims = attributes["shape"].flatMap { program.heap.tupleItems($0).map(Array.init) ?? listItems($0) }
        guard let dims else {
            anomaly(.inconsistentStack, "joblib array wrapper without a shape joblib can read; the load would fail here", at: i.offset)
            halted = true
            return
        }
        var count = 1
        for dim in dims {
            guard let d = program.heap.int(dim), d >= 0, case (let c, false) = count.multipliedReportingOverflow(by: d) else {
                anomaly(.oversizedOperand, "joblib array shape is not a sequence of small non-negative integers", at: i.offset)
                halted = true
                return
            }
            count = c
        }
        var skip = 0
        if let alignment = attributes["numpy_array_alignment_bytes"], alignment != .none {
            guard let padding = source.byte(at: start) else {
                anomaly(.truncated, "joblib array padding byte is missing", at: start)
                halted = true
                return
            }
            skip = 1 + Int(padding)
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: layout.itemSize)
        guard !overflow, start + skip + bytes <= source.count else {
            anomaly(.oversizedOperand, "joblib array declares \(count) × \(layout.itemSize) bytes, more than the file holds", at: i.offset)
            halted = true
            return
        }
        program.arrayPayloads.append(start..<(start + skip + bytes))
        if start == decoder.reader.offset {
            do { try decoder.reader.skip(skip + bytes) } catch { halted = true }
        } else {
            resumeAfterFrame = (at: start, to: start + skip + bytes)
        }
    }

    /// The items of a list value (joblib accepts any sequence as a shape).
    func listItems(_ value: PickleValue) -> [PickleValue]? {
        guard case .list = value else { return nil }
        return program.heap.containerItems(value)
    }

    /// Object arrays are written by joblib as a complete pickle inside the outer one.
    mutating func readNestedArrayPickle(at offset: Int, _ i: PickleInstruction) {
        guard nestingDepth < options.limits.maxNestedPickleDepth else {
            anomaly(.resourceLimit, "joblib object arrays nested deeper than \(options.limits.maxNestedPickleDepth)", at: i.offset)
            halted = true
            return
        }
        // joblib reads the nested pickle with a plain unpickler: wrappers inside it read no array bytes.
        var plain = options
        plain.joblibArrays = false
        let inner = PickleMachine.run(source, from: offset, options: plain, nestingDepth: nestingDepth + 1)
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
