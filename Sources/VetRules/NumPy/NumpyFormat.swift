import VetBytes
import VetCore
import VetPickle

/// NumPy `.npy` arrays: the header checked against the data, object arrays' pickles analysed.
/// (`.npz` files are zips of `.npy` members and reach this reader through the zip reader.)
public struct NumpyFormat: FormatPlugin {
    public let name = "numpy"
    public var rules: [RuleDescriptor] { [NumpyHeaderRule.descriptor, NumpyObjectArrayRule.descriptor] }

    public init() {}

    public func claim(_ artifact: Artifact) -> FormatClaim? {
        artifact.starts(with: [0x93] + Array("NUMPY".utf8)) ? FormatClaim(.magic, "NPY header") : nil
    }

    public func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession) {
        let source = artifact.source
        let location = artifact.location
        let file: NpyFile
        do { file = try NpyFile.parse(source) } catch {
            session.report(NumpyHeaderRule.descriptor, "invalid .npy header: \(error)", at: location.at(0))
            return session.cover(artifact, "numpy", .partial, reason: "header could not be parsed")
        }
        NumpyHeaderRule.check(file, size: source.count, at: location, into: &session.sink)
        guard let dtype = file.dtype, dtype.isObject else { return session.cover(artifact, "numpy", .scanned) }
        session.report(NumpyObjectArrayRule.descriptor, "object array: loading it needs allow_pickle=True and unpickles its data",
                       at: location.at(file.dataOffset))
        var stream = PickleStream.read(source.clampedSlice(file.dataOffset..<source.count), limits: session.limits)
        stream.shift(by: file.dataOffset)
        PickleRules.check(stream, at: location, context: session.context, into: &session.sink)
        session.cover(artifact, "numpy-object", .scanned)
    }
}
