import VetCore

/// Every rule ModelVet has, in catalogue order. A test checks this list against the rule files.
public enum RuleRegistry {
    /// All rule descriptors.
    public static let all: [RuleDescriptor] = [
        PickleDangerousImportRule.descriptor,
        PickleAttributeTraversalRule.descriptor,
        PickleUnresolvedImportRule.descriptor,
        PickleUnknownImportRule.descriptor,
        PickleExtensionRule.descriptor,
        PickleGlobalMutationRule.descriptor,
        PickleMalformedRule.descriptor,
        PickleResourceLimitRule.descriptor,
        PickleUnaccountedDataRule.descriptor,
        PickleEmbeddedPickleRule.descriptor,
        TorchScriptCodeRule.descriptor,
        NumpyHeaderRule.descriptor,
        NumpyObjectArrayRule.descriptor,
        UnscannedContentRule.descriptor,
        NestingDepthRule.descriptor,
        CompressedBombRule.descriptor,
        CompressedMalformedRule.descriptor,
        RemoteCodeRule.descriptor,
        PickleBesideSafeTensorsRule.descriptor,
    ] + PythonCodeRules.all + ZipAnomalyRules.all.map { $0.descriptor } + TarAnomalyRules.all.map { $0.descriptor } + SafeTensorsRules.all + GGUFRules.all + JinjaRules.all + ONNXRules.all + TensorFlowRules.all + TFLiteRules.all + KerasRules.all

    /// The descriptor with `id`, if any.
    public static func descriptor(id: String) -> RuleDescriptor? { all.first { $0.id == id } }
}
