import VetBytes
import VetCore
import VetKeras

/// HDF5 files (legacy Keras `.h5` models and weights): the model config walked as Keras reads it.
public struct HDF5Format: FormatPlugin {
    public let name = "hdf5"
    public var rules: [RuleDescriptor] { KerasRules.all }

    public init() {}

    public func claim(_ artifact: Artifact) -> FormatClaim? {
        HDF5File.sniff(artifact.source) ? FormatClaim(.magic, "HDF5 superblock signature") : nil
    }

    public func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession) {
        let outcome = KerasRules.checkHDF5(artifact.source, at: artifact.location, limits: session.limits, into: &session.sink)
        session.cover(artifact, "hdf5", partialReasons: outcome.partialReasons)
    }
}
