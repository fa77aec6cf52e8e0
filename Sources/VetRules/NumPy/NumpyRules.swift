import VetFixtures
import VetCore
import VetPickle

/// A `.npy` header that is invalid or disagrees with the data that follows it.
public enum NumpyHeaderRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "numpy_header", severity: .medium,
        title: "NumPy header is invalid or does not match the data",
        description: """
        A `.npy` file declares its dtype and shape in a Python-literal header; the data that follows must be \
        exactly shape × itemsize bytes. A header NumPy would reject, an unknown dtype, or data that is shorter or \
        longer than declared means the file was not written by NumPy as-is: extra bytes can carry a hidden payload \
        and short data crashes or confuses readers.
        """,
        remediation: "Re-export the array with numpy.save from a trusted source.",
        references: ["https://numpy.org/doc/stable/reference/generated/numpy.lib.format.html"],
        examples: [
            RuleExample("float32 (2,) array with four extra bytes", fileName: "a.npy", triggers: true) {
                NpyBuilder.bytes(descr: "'<f4'", shape: "(2,)", data: [UInt8](repeating: 0, count: 12))
            },
            RuleExample("float32 (2,) array of exactly 8 bytes", fileName: "a.npy", triggers: false) {
                NpyBuilder.bytes(descr: "'<f4'", shape: "(2,)", data: [UInt8](repeating: 0, count: 8))
            },
        ])

    public static func check(_ file: NpyFile, size: Int, at location: Location, into sink: inout FindingSink) {
        guard let dtype = file.dtype else {
            return sink.report(descriptor, "dtype \(file.descr) is not one this scanner knows; data not validated", at: location.at(0))
        }
        if !file.extraKeys.isEmpty {
            sink.report(descriptor, "header has unexpected keys: " + file.extraKeys.sorted().joined(separator: ", "), at: location.at(0))
        }
        guard !dtype.isObject else { return }
        let actual = size - file.dataOffset
        guard let count = file.elementCount, case (let expected, false) = count.multipliedReportingOverflow(by: dtype.itemSize) else {
            return sink.report(descriptor, "shape \(file.shape) overflows when multiplied out", at: location.at(0))
        }
        if expected != actual {
            sink.report(descriptor, "header declares \(expected) data bytes but the file holds \(actual)",
                        at: location.at(file.dataOffset + min(expected, actual)))
        }
    }
}

/// An object-dtype `.npy`, whose data is a pickle.
public enum NumpyObjectArrayRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "numpy_object_array", severity: .low,
        title: "NumPy array of Python objects",
        description: """
        Object arrays are stored as a pickle after the header, and `numpy.load` unpickles them when called with \
        `allow_pickle=True`. The embedded pickle is analysed like any other; this finding records that loading \
        the file requires enabling pickle at all.
        """,
        remediation: "Prefer numeric dtypes; load object arrays only from trusted sources.",
        references: ["CVE-2019-6446"],
        examples: [
            RuleExample("object array with a benign pickle", fileName: "a.npy", triggers: true) {
                NpyBuilder.bytes(descr: "'|O'", shape: "(2,)", data: PickleAssembler.benignPickle(protocolVersion: 3))
            },
            RuleExample("float64 array", fileName: "a.npy", triggers: false) {
                NpyBuilder.bytes(descr: "'<f8'", shape: "(1,)", data: [UInt8](repeating: 0, count: 8))
            },
        ])
}
