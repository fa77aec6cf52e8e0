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
        outcome.scanEmbeddedModules(of: artifact, session: session)
    }
}

extension KerasRules.Outcome {
    /// Scans the `torch.save` payloads of `TorchModuleWrapper` layers as the members they are:
    /// Keras hands them to `torch.load`, so they are pickles (or PyTorch zips) to analyse.
    func scanEmbeddedModules(of artifact: Artifact, session: ScanSession) {
        for config in model.configs {
            for module in config.analysis.torchModules {
                guard let payload = module.payload else { continue }
                session.scanMember(ByteSource(payload), at: artifact.location.member("\(config.name)!<torch module \(module.path)>"),
                                   name: "module.pt", of: artifact)
            }
        }
    }
}
