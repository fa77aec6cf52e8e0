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
                                            calleeSummary: index == nil ? "__setstate__ of " + program.heap.summary(callee) : "",
                                            argumentValue: state))
            if options.joblibArrays, isJoblibWrapper(program.heap.objects[object]) {
                program.joblibWrappers += 1
                readJoblibArray(object: object, state: state, i)
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
}
