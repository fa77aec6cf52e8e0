/// Reads the layout of a `numpy.dtype(...)` call as pickled by NumPy's `dtype.__reduce__`.
enum NumpyDtypeValue {
    /// The layout, or `nil` when the value is not a recognisable dtype construction.
    static func layout(of value: PickleValue, imports: [PickleImport]) -> NumpyDtype? {
        guard case let .object(call) = value, case let .global(index) = call.callee,
              imports.indices.contains(index), imports[index].isResolved,
              ["numpy", "numpy.core.multiarray", "numpy._core.multiarray"].contains(imports[index].module) || imports[index].module.hasPrefix("numpy.dtypes"),
              imports[index].name == "dtype" || imports[index].module.hasPrefix("numpy.dtypes"),
              let arguments = call.arguments.tupleItems, let typeString = arguments.first?.stringValue,
              var layout = NumpyDtype.parse(typeString: typeString) else { return nil }
        // Flexible dtypes carry their real element size in the sixth field of the BUILD state.
        if let state = call.state?.tupleItems, state.count > 5, let size = state[5].intValue, size > 0 {
            layout.itemSize = size
        }
        return layout
    }
}
