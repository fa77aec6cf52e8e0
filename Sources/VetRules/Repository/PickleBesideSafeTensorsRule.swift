import VetCore

/// A pickle-based weight file sits next to a safetensors file with the same weights.
public enum PickleBesideSafeTensorsRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "repo_pickle_beside_safetensors", severity: .low,
        title: "Pickle weights next to an equivalent safetensors file",
        description: """
        The repository ships the same weights twice: as a pickle-based file (which can run code when loaded) and \
        as safetensors (which cannot). Loaders prefer safetensors when it is present, but code that names the \
        pickle file, or an old library version, loads the unsafe copy.
        """,
        remediation: "Load the safetensors file (`use_safetensors=True`) and delete the pickle copy.",
        references: ["https://huggingface.co/docs/safetensors/index"],
        examples: [], scope: .repository)

    /// The safetensors stem a pickle weight file corresponds to (`pytorch_model-00001-of-00002.bin`
    /// → `model-00001-of-00002`), or `nil` for files that are not weight files.
    public static func equivalentStem(of fileName: String) -> String? {
        let lower = fileName.lowercased()
        for ext in [".bin", ".pt", ".pth", ".ckpt", ".pkl"] where lower.hasSuffix(ext) {
            var stem = String(fileName.dropLast(ext.count))
            if stem.hasPrefix("pytorch_") { stem = String(stem.dropFirst("pytorch_".count)) }
            return stem
        }
        return nil
    }
}
