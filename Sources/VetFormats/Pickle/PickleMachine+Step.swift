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
        case .dup: push(top() ?? .unknown("DUP of empty stack"))
        case .none: push(.none)
        case .newTrue: push(.bool(true))
        case .newFalse: push(.bool(false))
        case .int, .binInt, .binInt1, .binInt2, .long, .long1, .long4, .float, .binFloat:
            push(constant(i.operand))
        case .string, .binString, .shortBinString, .unicode, .binUnicode, .shortBinUnicode, .binUnicode8:
            if case let .text(text) = i.operand { push(.string(text)) } else { push(.unknown("text")) }
            noteEmbedded(i)
        case .binBytes, .shortBinBytes, .binBytes8, .byteArray8:
            if case let .bytes(view) = i.operand { push(.bytes(view)) } else { push(.unknown("bytes")) }
            noteEmbedded(i)
        case .persID:
            let id: PickleValue = if case let .text(t) = i.operand { .string(t) } else { .unknown("id") }
            program.persistentIDs.append((id, i.offset))
            push(.persistent(id))
        case .binPersID:
            let id = pop(i)
            program.persistentIDs.append((id, i.offset))
            push(.persistent(id))
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
            call(cls, .tuple([arguments, keywords]), i)
        case .obj:
            var items = popToMark(i)
            let cls = items.isEmpty ? PickleValue.unknown("OBJ without class") : items.removeFirst()
            call(cls, .tuple(items), i)
        case .inst:
            let items = popToMark(i)
            if case let .pair(module, name) = i.operand {
                let index = importGlobal(.string(.decoded(module)), .string(.decoded(name)), i)
                call(.global(index), .tuple(items), i)
            }
        case .global:
            if case let .pair(module, name) = i.operand {
                push(.global(importGlobal(.string(.decoded(module)), .string(.decoded(name)), i)))
            }
        case .stackGlobal:
            let name = pop(i)
            let module = pop(i)
            push(.global(importGlobal(module, name, i)))
        case .build: build(i)
        case .emptyDict: push(.dict(newContainer()))
        case .emptyList: push(.list(newContainer()))
        case .emptySet: push(.set(newContainer()))
        case .emptyTuple: push(.tuple([]))
        case .tuple1:
            let a = pop(i)
            pushChecked(.tuple([a]), i)
        case .tuple2:
            let b = pop(i), a = pop(i)
            pushChecked(.tuple([a, b]), i)
        case .tuple3:
            let c = pop(i), b = pop(i), a = pop(i)
            pushChecked(.tuple([a, b, c]), i)
        case .tuple: pushChecked(.tuple(popToMark(i)), i)
        case .list, .dict, .frozenSet:
            let container = newContainer()
            for item in popToMark(i) { container.append(item) }
            let value: PickleValue = i.opcode == .list ? .list(container) : i.opcode == .dict ? .dict(container) : .set(container)
            pushChecked(value, i)
        case .append:
            let value = pop(i)
            extend(with: [value], i)
        case .appends, .addItems, .setItems: extendFromMark(i)
        case .setItem:
            let value = pop(i)
            let key = pop(i)
            extend(with: [key, value], i)
        case .get, .binGet, .longBinGet:
            let key = constant(i.operand).intValue ?? -1
            if let value = memo[key] { push(value) } else {
                anomaly(.inconsistentStack, "\(i.opcode.name) reads memo slot \(key), which was never written", at: i.offset)
                push(.unknown("memo slot \(key) was never written"))
            }
        case .put, .binPut, .longBinPut:
            let key = constant(i.operand).intValue ?? -1
            memo[key] = top() ?? {
                anomaly(.inconsistentStack, "\(i.opcode.name) memoizes an empty stack", at: i.offset)
                return .unknown("memoized empty stack")
            }()
        case .memoize:
            memo[memo.count] = top() ?? .unknown("memoized empty stack")
        case .proto:
            let version = constant(i.operand).intValue ?? -1
            if program.protocolVersion == nil { program.protocolVersion = version }
            if version > 5 { anomaly(.protocolMismatch, "unsupported pickle protocol \(version)", at: i.offset) }
        case .frame:
            let length = constant(i.operand).intValue ?? 0
            frameEnd = i.offset + i.length + length
        case .ext1, .ext2, .ext4:
            let code = constant(i.operand).intValue ?? -1
            program.extensions.append((code, i.offset))
            push(.unknown("extension registry code \(code)"))
        case .nextBuffer: push(.buffer)
        case .readonlyBuffer: break
        }
        if let version = program.protocolVersion, version <= 5, i.opcode.protocolVersion > max(version, 2),
           i.opcode != .proto {
            // Newer opcodes under an older PROTO still load in CPython; note the inconsistency once.
            if !program.anomalies.contains(where: { $0.kind == .protocolMismatch }) {
                anomaly(.protocolMismatch, "\(i.opcode.name) is a protocol \(i.opcode.protocolVersion) opcode in a protocol \(version) pickle", at: i.offset)
            }
        }
    }

    mutating func newContainer() -> PickleContainer {
        let container = PickleContainer()
        containers.append(container)
        return container
    }

    func constant(_ operand: PickleOperand) -> PickleValue {
        switch operand {
        case let .int(v): return .int(v)
        case let .bigInt(b): return .bigInt(b)
        case let .float(f): return .float(f)
        case let .text(t): return .string(t)
        case let .bytes(b): return .bytes(b)
        case .none, .pair: return .unknown("no constant")
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
            for index in mark..<stack.count { c.append(stack[index]) }
            stack.removeLast(stack.count - mark)
            checkExpansion(.list(c), at: i.offset)
        default:
            extend(with: popToMark(i), i)
        }
    }

    /// APPEND(S), SETITEM(S) and ADDITEMS into the container on top of the stack.
    private mutating func extend(with items: [PickleValue], _ i: PickleInstruction) {
        switch top() {
        case let .list(c)?, let .dict(c)?, let .set(c)?:
            for item in items { c.append(item) }
            checkExpansion(.list(c), at: i.offset)
        case let .object(o)?:
            // The loader calls the object's own append/extend/__setitem__/add method.
            program.calls.append(PickleCall(opcode: i.opcode, offset: i.offset, importIndex: importIndex(of: o.callee),
                                            calleeSummary: "method of " + o.callee.summary()))
        case nil:
            anomaly(.inconsistentStack, "\(i.opcode.name) has no container to add to", at: i.offset)
        default:
            program.calls.append(PickleCall(opcode: i.opcode, offset: i.offset, importIndex: nil,
                                            calleeSummary: "method of " + (top()?.summary() ?? "?")))
        }
    }

    private func importIndex(of value: PickleValue) -> Int? {
        if case let .global(index) = value { return index }
        return nil
    }

    /// Records a call and pushes its symbolic result.
    private mutating func call(_ callee: PickleValue, _ arguments: PickleValue, _ i: PickleInstruction) {
        let index = importIndex(of: callee)
        program.calls.append(PickleCall(opcode: i.opcode, offset: i.offset, importIndex: index,
                                        calleeSummary: index == nil ? callee.summary() : "", argumentValue: arguments))
        if let index, program.imports.indices.contains(index), program.imports[index].callOffsets == nil {
            program.imports[index].callOffsets = recent.ordered
        }
        let object = PickleObject(callee: callee, arguments: arguments, opcode: i.opcode, offset: i.offset)
        objects.append(object)
        checkExpansion(.object(object), at: i.offset)
        push(.object(object))
    }

    /// GLOBAL, STACK_GLOBAL and INST: resolves the operands and records the import.
    mutating func importGlobal(_ module: PickleValue, _ name: PickleValue, _ i: PickleInstruction) -> Int {
        var notes: [String] = []
        func operand(_ value: PickleValue, _ role: String) -> String? {
            switch value {
            case let .string(s): return s.string
            case let .bytes(b):
                notes.append("\(role) operand is bytes, not str (CPython rejects it; other loaders may not)")
                return PythonLiteral.latin1(b)
            default:
                notes.append("\(role) operand is not a constant string: \(value.summary())")
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
        let length = i.offset + i.length - i.payloadOffset
        guard length >= 8, i.opcode.argument != .line,
              let view = try? source.slice(i.payloadOffset..<(i.offset + i.length)),
              PickleSniffer.looksLikeEmbeddedPickle(view) else { return }
        program.embeddedPickles.append((i.payloadOffset, view))
    }
}
