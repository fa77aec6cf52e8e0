import VetCore

/// Every rule ModelVet has, in catalogue order: the rules of each registered format (in
/// `FormatRegistry` order), then the rules that judge whole folders or any content.
public enum RuleRegistry {
    /// Rules that belong to no single format.
    static let general: [RuleDescriptor] = [
        UnscannedContentRule.descriptor, NestingDepthRule.descriptor, PickleBesideSafeTensorsRule.descriptor,
    ]

    /// All rule descriptors, each once.
    public static let all: [RuleDescriptor] = {
        var seen = Set<String>()
        return (FormatRegistry.all.flatMap(\.rules) + general).filter { seen.insert($0.id).inserted }
    }()

    /// The descriptor with `id`, if any.
    public static func descriptor(id: String) -> RuleDescriptor? { all.first { $0.id == id } }
}
