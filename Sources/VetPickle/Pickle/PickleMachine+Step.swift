import VetBytes

extension PickleMachine {
    /// Executes one opcode other than STOP.
    mutating func step(_ i: borrowing PickleInstruction) {
        switch i.opcode {
        case .mark: marks.append(stack.count)
        case .stop: break
        case .pop:
            if top() != nil { stack.removeLast() } else if marks.popLast() == nil {
                anomaly(.inconsistentStack, "POP on an empty stack", at: i.offset)
            }
        case .popMark: _ = popToMark(i)
        case .dup: push(top() ?? program.heap.unknown("DUP of empty stack"))
        case .none: push(.none)
        case .newTrue: push(.bool(true))
        case .newFalse: push(.bool(false))
        case .int, .binInt, .binInt1, .binInt2, .long, .long1, .long4, .float, .binFloat:
            // The common scalar cases are pushed in place, without copying the operand around.
            switch i.operand {
            case let .int(v): push(.int(v))
            case let .float(f): push(.float(f))
            default: push(constant(i.operand))
            }
        case .string, .binString, .shortBinString, .unicode, .binUnicode, .shortBinUnicode, .binUnicode8:
            if case let .text(text) = i.operand { push(program.heap.text(text)) } else { push(program.heap.unknown("text")) }
            noteEmbedded(i)
        case .binBytes, .shortBinBytes, .binBytes8, .byteArray8:
            if case let .bytes(view) = i.operand { push(program.heap.bytes(view)) } else { push(program.heap.unknown("bytes")) }
            noteEmbedded(i)
        case .persID:
            let id: PickleValue = if case let .text(t) = i.operand { program.heap.text(t) } else { program.heap.unknown("id") }
            program.persistentIDs.append((id, i.offset))
            push(program.heap.persistent(id))
        case .binPersID:
            let id = pop(i)
            program.persistentIDs.append((id, i.offset))
            push(program.heap.persistent(id))
        case .reduce:
            let arguments = pop(i)
            let callee = pop(i)
            call(callee, arguments, i)
        case .newObj:
            let arguments = pop(i)
            let cls = pop(i)
            call(cls, arguments, i)
        case .newObjEx:
            let keywords = pop(i)
            let arguments = pop(i)
            let cls = pop(i)
            call(cls, program.heap.tuple([arguments, keywords]), i)
        case .obj:
            let items = popToMark(i)
            let cls = items.first ?? program.heap.unknown("OBJ without class")
            call(cls, program.heap.tuple(items.dropFirst()), i)
        case .inst:
            let items = popToMark(i)
            if case let .pair(module, name) = i.operand {
                let index = importGlobal(program.heap.text(.utf8(module)), program.heap.text(.utf8(name)), i)
                call(.global(index), program.heap.tuple(items), i)
            }
        case .global:
            if case let .pair(module, name) = i.operand {
                push(.global(importGlobal(program.heap.text(.utf8(module)), program.heap.text(.utf8(name)), i)))
            }
        case .stackGlobal:
            let name = pop(i)
            let module = pop(i)
            push(.global(importGlobal(module, name, i)))
        case .build: build(i)
        case .emptyDict: push(.dict(program.heap.container()))
        case .emptyList: push(.list(program.heap.container()))
        case .emptySet: push(.set(program.heap.container()))
        case .emptyTuple: push(program.heap.tuple(EmptyCollection()))
        case .tuple1:
            let a = pop(i)
            pushChecked(program.heap.tuple(CollectionOfOne(a)), i)
        case .tuple2:
            let b = pop(i), a = pop(i)
            pushChecked(program.heap.tuple([a, b]), i)
        case .tuple3:
            let c = pop(i), b = pop(i), a = pop(i)
            pushChecked(program.heap.tuple([a, b, c]), i)
        case .tuple:
            if let mark = marks.popLast() {
                // Straight from the stack into the heap, without an intermediate array.
                let tuple = program.heap.tuple(stack[mark...])
                stack.removeLast(stack.count - mark)
                pushChecked(tuple, i)
            } else {
                pushChecked(program.heap.tuple(popToMark(i)), i)
            }
        case .list, .dict, .frozenSet:
            let container = program.heap.container()
            for item in popToMark(i) { program.heap.append(item, to: container) }
            let value: PickleValue = i.opcode == .list ? .list(container) : i.opcode == .dict ? .dict(container) : .set(container)
            pushChecked(value, i)
        case .append:
            let value = pop(i)
            extend(with: CollectionOfOne(value), i)
        case .appends, .addItems, .setItems: extendFromMark(i)
        case .setItem:
            let value = pop(i)
            let key = pop(i)
            extend(with: [key, value], i)
        case .get, .binGet, .longBinGet:
            let key = if case let .int(v) = i.operand { v } else { -1 }
            if let value = memo[key] { push(value) } else {
                anomaly(.inconsistentStack, "\(i.opcode.name) reads memo slot \(key), which was never written", at: i.offset)
                push(program.heap.unknown("memo slot \(key) was never written"))
            }
        case .put, .binPut, .longBinPut:
            let key = if case let .int(v) = i.operand { v } else { -1 }
            if let value = top() { memo[key] = value } else {
                anomaly(.inconsistentStack, "\(i.opcode.name) memoizes an empty stack", at: i.offset)
                memo[key] = program.heap.unknown("memoized empty stack")
            }
        case .memoize:
            memo[memo.count] = top() ?? program.heap.unknown("memoized empty stack")
        case .proto:
            let version = program.heap.int(constant(i.operand)) ?? -1
            if program.protocolVersion == nil { program.protocolVersion = version }
            if version > 5 { anomaly(.protocolMismatch, "unsupported pickle protocol \(version)", at: i.offset) }
        case .frame:
            let length = program.heap.int(constant(i.operand)) ?? 0
            frameEnd = i.offset + i.length + length
        case .ext1, .ext2, .ext4:
            let code = program.heap.int(constant(i.operand)) ?? -1
            program.extensions.append((code, i.offset))
            push(program.heap.unknown("extension registry code \(code)"))
        case .nextBuffer: push(.buffer)
        case .readonlyBuffer: break
        }
        // Only protocol 3+ opcodes (BINBYTES family and 0x8C and up) can contradict a declared protocol.
        let raw = i.opcode.rawValue
        let opcodeVersion = raw >= 0x8C || raw == 0x42 || raw == 0x43 ? i.opcode.protocolVersion : 0
        if opcodeVersion > 2, let version = program.protocolVersion, version <= 5, opcodeVersion > version {
            // Newer opcodes under an older PROTO still load in CPython; note the inconsistency once.
            if !program.anomalies.contains(where: { $0.kind == .protocolMismatch }) {
                anomaly(.protocolMismatch, "\(i.opcode.name) is a protocol \(opcodeVersion) opcode in a protocol \(version) pickle", at: i.offset)
            }
        }
    }

    mutating func constant(_ operand: PickleOperand) -> PickleValue {
        switch operand {
        case let .int(v): return .int(v)
        case let .bigInt(b): return program.heap.bigInt(b.bytes(in: source))
        case let .float(f): return .float(f)
        case let .text(t): return program.heap.text(t)
        case let .bytes(b): return program.heap.bytes(b)
        case .none, .pair: return program.heap.unknown("no constant")
        }
    }

    private mutating func pushChecked(_ value: PickleValue, _ i: PickleInstruction) {
        checkExpansion(value, at: i.offset)
        push(value)
    }

    /// APPENDS, SETITEMS and ADDITEMS: moves everything above the mark into the container below it
    /// without building an intermediate array in the common case.
    private mutating func extendFromMark(_ i: PickleInstruction) {
        guard let mark = marks.last, mark > (marks.dropLast().last ?? 0) else {
            return extend(with: popToMark(i), i)
        }
        switch stack[mark - 1] {
        case let .list(c), let .dict(c), let .set(c):
            marks.removeLast()
            for index in mark..<stack.count { program.heap.append(stack[index], to: c) }
            stack.removeLast(stack.count - mark)
            checkExpansion(.list(c), at: i.offset)
        default:
            extend(with: popToMark(i), i)
        }
    }

    /// APPEND(S), SETITEM(S) and ADDITEMS into the container on top of the stack.
    private mutating func extend<C: Collection>(with items: C, _ i: PickleInstruction) where C.Element == PickleValue {
        switch top() {
        case let .list(c)?, let .dict(c)?, let .set(c)?:
            for item in items { program.heap.append(item, to: c) }
            checkExpansion(.list(c), at: i.offset)
        case let .object(o)?:
            // The loader calls the object's own append/extend/__setitem__/add method.
            let callee = program.heap.objects[o].callee
            program.calls.append(PickleCall(opcode: i.opcode, offset: i.offset, importIndex: importIndex(of: callee),
                                            calleeSummary: "method of " + program.heap.summary(callee)))
            for item in items { program.heap.append(item, toObject: o) }
            checkExpansion(.object(o), at: i.offset)
        case nil:
            anomaly(.inconsistentStack, "\(i.opcode.name) has no container to add to", at: i.offset)
        case let value?:
            program.calls.append(PickleCall(opcode: i.opcode, offset: i.offset, importIndex: nil,
                                            calleeSummary: "method of " + program.heap.summary(value)))
        }
    }

    func importIndex(of value: PickleValue) -> Int? {
        if case let .global(index) = value { return index }
        return nil
    }

    /// Records a call and pushes its symbolic result.
    private mutating func call(_ callee: PickleValue, _ arguments: PickleValue, _ i: PickleInstruction) {
        let index = importIndex(of: callee)
        program.calls.append(PickleCall(opcode: i.opcode, offset: i.offset, importIndex: index,
                                        calleeSummary: index == nil ? program.heap.summary(callee) : "", argumentValue: arguments))
        if let index, program.imports.indices.contains(index), program.imports[index].callOffsets == nil {
            program.imports[index].callOffsets = recent.ordered
        }
        let object = program.heap.object(callee: callee, arguments: arguments, opcode: i.opcode, offset: i.offset)
        checkExpansion(object, at: i.offset)
        push(object)
    }

    /// GLOBAL, STACK_GLOBAL and INST: resolves the operands and records the import.
    mutating func importGlobal(_ module: PickleValue, _ name: PickleValue, _ i: PickleInstruction) -> Int {
        var notes: [String] = []
        func operand(_ value: PickleValue, _ role: String) -> String? {
            switch value {
            case .string: return program.heap.string(value)
            case .bytes:
                notes.append("\(role) operand is bytes, not str (CPython rejects it; other loaders may not)")
                return program.heap.bytes(value).map(PythonLiteral.latin1)
            default:
                notes.append("\(role) operand is not a constant string: \(program.heap.summary(value))")
                return nil
            }
        }
        let moduleText = operand(module, "module")
        let nameText = operand(name, "name")
        let imported = PickleImport(module: moduleText ?? "<unresolved>", name: nameText ?? "<unresolved>",
                                    isResolved: moduleText != nil && nameText != nil, notes: notes, opcode: i.opcode,
                                    offset: i.offset, instructionOffsets: recent.ordered, source: source)
        program.imports.append(imported)
        return program.imports.count - 1
    }

    /// Records a byte or string operand that itself looks like a pickle.
    private mutating func noteEmbedded(_ i: PickleInstruction) {
        var start = i.payloadOffset
        var end = i.offset + i.length
        if i.opcode.argument == .line {
            // Protocol 0 text: the line without its newline, and STRING's quotes.
            end -= 1
            if i.opcode == .string, end - start >= 2 { start += 1; end -= 1 }
        }
        // Most operands (keys, array bytes) fail on their first byte; that is checked before slicing.
        guard end - start >= 8, let first = source.byte(at: start) else { return }
        let operand = source.clampedSlice(start..<end)
        if i.opcode.argument != .line, PickleOpcode(rawValue: first) != nil, carriesStage(operand) {
            program.embeddedPickles.append(EmbeddedPickle(offset: start, bytes: operand))
            return
        }
        // A second stage carried as text: hex (as `bytes.fromhex` reads it) or base64 (as `b64decode`).
        guard end - start >= 16, let (decoded, encoding) = PickleSniffer.decodedPickleText(operand) else { return }
        let inner = ByteSource(decoded)
        if carriesStage(inner) {
            program.embeddedPickles.append(EmbeddedPickle(offset: start, bytes: inner, encoding: encoding))
        }
    }

    /// Whether `operand` is a pickle worth analysing as a second stage: one that imports, or one
    /// that carries a further stage in its own operands (multi-stage nesting), looked for only
    /// within the nesting limit.
    private func carriesStage(_ operand: ByteSource) -> Bool {
        switch PickleSniffer.embeddedShape(operand) {
        case .importing: return true
        case .none, .plain: return false
        case .carrier:
            guard nestingDepth + 1 < options.limits.maxNestedPickleDepth else { return false }
            return !PickleMachine.run(operand, from: 0, options: options, nestingDepth: nestingDepth + 1).embeddedPickles.isEmpty
        }
    }
}
