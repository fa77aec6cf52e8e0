import VetBytes
import VetCore
import VetFixtures
import VetPickle

/// A NumPy array of Python objects whose data the pickle gives as raw bytes.
///
/// NumPy pickles object arrays with their items as a list. `ndarray.__setstate__` also accepts a
/// bytes buffer, and when the dtype claims to hold objects (kind `O`, or a void or string dtype
/// whose pickled flags say so) it takes those bytes as `PyObject` pointers: loading the file
/// dereferences addresses the file chose, which crashes the loader or worse. Every global involved
/// (`numpy.dtype`, `_reconstruct`, `ndarray`) is on every scanner's allowlist.
public enum NumpyObjectBytesRule {
    public static let descriptor = RuleDescriptor(
        id: "pickle_numpy_object_bytes", severity: .high,
        title: "NumPy object array built from raw bytes",
        description: """
        A pickled NumPy array whose dtype holds Python objects (kind `O`, or a void/string dtype whose pickled \
        flags claim object fields) is given its data as a raw bytes buffer rather than as the list NumPy writes. \
        `ndarray.__setstate__` then reads those bytes as object pointers, so unpickling dereferences addresses \
        chosen by the file: a memory-corruption primitive reached through allow-listed globals only. \
        NumPy 1.24 and 2.4 both crash on it.
        """,
        remediation: "Do not load the file; re-export the array with NumPy itself.",
        references: ["CWE-843", "https://numpy.org/doc/stable/reference/generated/numpy.ndarray.__setstate__.html"],
        examples: [
            RuleExample("an object-dtype array whose data is eight bytes", triggers: true) {
                NumpyObjectBytesRule.array(dtype: "O8", data: Array("AAAAAAAA".utf8))
            },
            RuleExample("a float array whose data is eight bytes", triggers: false) {
                NumpyObjectBytesRule.array(dtype: "f8", data: [UInt8](repeating: 0, count: 8))
            },
        ])

    /// `_reconstruct(ndarray, (0,), b'b')` with BUILD state `(1, (1,), dtype, False, data)`.
    static func array(dtype: String, data: [UInt8]) -> [UInt8] {
        PickleAssembler(protocolVersion: 3).global("numpy.core.multiarray", "_reconstruct").global("numpy", "ndarray")
            .int(0).op(.tuple1).binBytes(Array("b".utf8)).op(.tuple3).op(.reduce)
            .op(.mark).int(1).int(1).op(.tuple1)
            .global("numpy", "dtype").unicode(dtype).op(.newFalse).op(.newTrue).op(.tuple3).op(.reduce)
            .op(.newFalse).binBytes(data).op(.tuple).op(.build).stop().bytes
    }

    static let reconstructors: Set<String> = [
        "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct", "numpy.ndarray",
    ]

    /// Reports every array BUILD whose state pairs an object dtype with a bytes buffer.
    static func check(_ program: PickleProgram, at location: Location, into sink: inout FindingSink) {
        for call in program.calls where call.opcode == .build {
            guard let index = call.importIndex, program.imports[index].isResolved,
                  reconstructors.contains(program.imports[index].qualifiedName),
                  let state = program.heap.tupleItems(call.argumentValue), state.count >= 5 else { continue }
            let items = Array(state)
            guard program.heap.bytes(items[4]) != nil, let dtype = program.numpyDtype(items[2]), dtype.isObject else { continue }
            sink.report(descriptor, "an array of Python objects takes its data from \(program.heap.summary(items[4])); NumPy reads those bytes as object pointers",
                        at: location.at(call.offset))
        }
    }
}
