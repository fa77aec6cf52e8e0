import VetCore
import VetKeras

/// A Lambda layer (or any `__lambda__` object) carries marshalled Python bytecode.
public enum KerasLambdaRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "keras_lambda_layer", severity: .critical,
        title: "Keras model carries Python bytecode (Lambda layer)",
        description: """
        A Lambda layer's function is stored as base64 of `marshal.dumps(code)`; Keras rebuilds it with \
        `marshal.loads` and runs it when the model is loaded or called. Any Python can hide there. Keras 3 \
        refuses it in `.keras` files only while `safe_mode=True` (and safe mode has been bypassed repeatedly); \
        Keras before 2.13 ran it unconditionally (CVE-2024-3660), and legacy `.h5` files ignore `safe_mode` \
        (CVE-2025-9905). ModelVet decodes the base64 (leniently, as Python does) only far enough to see a code \
        object; it never unmarshals it. A lambda whose text does not decode to a code object cannot be rebuilt \
        by any Keras and is reported at medium.
        """,
        remediation: """
        Do not load the model with `safe_mode=False` or from `.h5`. Ask the publisher for a model without \
        Lambda layers (use a registered layer class shipped as reviewed source code) or re-implement the layer.
        """,
        references: ["CVE-2024-3660", "CVE-2025-9905", "https://keras.io/api/layers/core_layers/lambda/", "CWE-502"],
        examples: [
            RuleExample("a .keras archive with a Lambda layer", fileName: "model.keras", triggers: true) {
                KerasExample.archive(layers: [KerasExample.lambdaLayerV3])
            },
            RuleExample("a legacy .h5 model_config with a Keras 2 Lambda layer", fileName: "model.h5", triggers: true) {
                KerasExample.legacyH5(layers: [KerasExample.lambdaLayerV2])
            },
            RuleExample("a plain Dense model", fileName: "model.keras", triggers: false) {
                KerasExample.archive(layers: [KerasExample.denseLayer])
            },
        ])

    static func check(_ analysis: KerasConfigAnalysis, site: KerasRules.ConfigSite, legacy: Bool, into sink: inout FindingSink) {
        for lambda in analysis.lambdas {
            guard let encoded = lambda.encodedCode else { continue }
            let layer = lambda.layerName.map { "Lambda layer `\($0)`" } ?? "a lambda"
            let loader = legacy ? "; legacy HDF5 loading ignores safe_mode" : ""
            let strings = lambda.code?.strings ?? []
            let evidence = strings.isEmpty ? String(encoded.prefix(120)) : "strings in code: " + strings.joined(separator: ", ")
            // The text is decoded as Python's lenient base64 decoder does (other characters skipped);
            // Keras hands the result to marshal.loads and then to FunctionType, which accepts only a
            // code object. Anything else makes loading fail before the layer can run, so such a
            // layer (written to carry code, but not in a form any Keras rebuilds) is medium.
            if let code = lambda.code, code.isCodeObject {
                sink.report(descriptor, "\(site.describe(lambda.path)): \(layer) carries a marshalled Python code object "
                            + "(\(code.byteCount) bytes) that runs when the model loads\(loader)",
                            at: site.location(lambda.offset), evidence: evidence)
            } else {
                let what = lambda.code.map { $0.isBase64 ? "\($0.byteCount) bytes of marshal data" : "text that is not base64" }
                    ?? "text that is not base64"
                sink.report(descriptor, "\(site.describe(lambda.path)): \(layer) carries \(what) (\(encoded.utf8.count) characters) "
                            + "that does not decode to a code object: Keras fails to rebuild the function, so nothing runs, "
                            + "but the layer was written to carry code",
                            at: site.location(lambda.offset), evidence: evidence, severity: .medium)
            }
        }
    }
}
