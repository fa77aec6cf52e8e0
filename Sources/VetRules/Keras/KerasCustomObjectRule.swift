import VetCore
import VetKeras

/// A config names a class or registered object from outside Keras and its known-safe companion packages.
public enum KerasCustomObjectRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "keras_custom_object", severity: .medium,
        title: "Keras config uses a custom object",
        description: """
        Objects in a Keras config name their `module` and, for registered custom objects, a \
        `registered_name` of the form `package>Name`. Loading imports that module (always with \
        `safe_mode=False`, and in Keras before 3.9 even in safe mode) or resolves the name through whatever \
        code registered it, so the model runs code that is not part of Keras. Objects of keras, tensorflow, \
        tf_keras, keras_nlp, keras_hub and keras_cv pass.
        """,
        remediation: "Review the package that provides the custom object before installing it or loading the model.",
        references: ["https://keras.io/guides/serialization_and_saving/#custom-objects", "CWE-829"],
        examples: [
            RuleExample("a layer from my_package", fileName: "model.keras", triggers: true) {
                KerasExample.archive(layers: [
                    #"{"module": "my_package.layers", "class_name": "MyLayer", "config": {"name": "mine"}, "registered_name": "MyPackage>MyLayer"}"#,
                ])
            },
            RuleExample("a keras_hub backbone", fileName: "model.keras", triggers: false) {
                KerasExample.archive(layers: [
                    #"{"module": "keras_hub.src.models.bert.bert_backbone", "class_name": "BertBackbone", "config": {"name": "bert"}, "registered_name": "keras_hub>BertBackbone"}"#,
                ])
            },
        ])

    static func check(_ analysis: KerasConfigAnalysis, site: KerasRules.ConfigSite, skipping flagged: Set<String>,
                      into sink: inout FindingSink) {
        for object in analysis.objects where !flagged.contains(object.path) {
            var outside: [String] = []
            if let module = object.module, !KerasPackages.isAllowed(module: module) { outside.append("module `\(module)`") }
            if let registered = object.registeredName, let package = KerasPackages.package(ofRegisteredName: registered),
               !KerasPackages.allowed.contains(package) {
                outside.append("registered name `\(registered)`")
            }
            guard !outside.isEmpty else { continue }
            sink.report(descriptor, "\(site.describe(object.path)): `\(object.className)` comes from \(outside.joined(separator: " and ")), outside Keras",
                        at: site.location(object.offset), evidence: [object.module, object.registeredName, object.className]
                            .compactMap { $0 }.joined(separator: " "))
        }
    }
}
