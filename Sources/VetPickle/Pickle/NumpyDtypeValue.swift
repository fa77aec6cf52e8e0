/// Reads the layout of a `numpy.dtype(...)` call as pickled by NumPy's `dtype.__reduce__`.
enum NumpyDtypeValue {
    /// The layout, or `nil` when the value is not a recognisable dtype construction.
    static func layout(of value: PickleValue, in program: PickleProgram) -> NumpyDtype? {
        let heap = program.heap
        guard let call = heap.object(value), case let .global(index) = call.callee,
              program.imports.indices.contains(index), program.imports[index].isResolved else { return nil }
        let imported = program.imports[index]
        let isDtype = (["numpy", "numpy.core.multiarray", "numpy._core.multiarray"].contains(imported.module) && imported.name == "dtype")
            || imported.module.hasPrefix("numpy.dtypes")
        guard isDtype, let arguments = heap.tupleItems(call.arguments), let first = arguments.first,
              let typeString = heap.string(first), var layout = NumpyDtype.parse(typeString: typeString) else { return nil }
        // NumPy's dtype `__setstate__` picks the state layout by its length (9, 8 and 7 items keep
        // the element size at index 5, 6 items at 4, 5 items at 3) and uses that size, and the
        // object flag (bit 0 of `flags`, index 7 when present), only for flexible kinds (S, U, V);
        // numeric kinds keep the size of their type string.
        if let stateValue = call.state, let state = heap.tupleItems(stateValue), layout.isFlexible {
            let base = state.startIndex
            let sizeIndex: Int? = switch state.count {
            case 7...: 5
            case 6: 4
            case 5: 3
            default: nil
            }
            if let sizeIndex, let size = heap.int(state[base + sizeIndex]), size >= 0 { layout.itemSize = size }
            if state.count >= 8, let flags = heap.int(state[base + 7]), flags & 1 != 0 { layout.isObject = true }
        }
        return layout
    }
}

extension PickleProgram {
    /// The layout of a `numpy.dtype(...)` value built by this program, as NumPy's `__setstate__`
    /// would set it up; `nil` when the value is not a dtype this scanner can read.
    public func numpyDtype(_ value: PickleValue) -> NumpyDtype? { NumpyDtypeValue.layout(of: value, in: self) }
}
