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
        // Flexible dtypes carry their real element size in the sixth field of the BUILD state.
        if let stateValue = call.state, let state = heap.tupleItems(stateValue), state.count > 5,
           let size = heap.int(state[state.startIndex + 5]), size > 0 {
            layout.itemSize = size
        }
        return layout
    }
}
