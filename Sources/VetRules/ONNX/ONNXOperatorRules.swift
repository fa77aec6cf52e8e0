import VetCore
import VetGraphs

/// Operators from a domain no standard runtime implements.
public enum ONNXCustomOperatorRule {
    /// Domains defined by the ONNX specification.
    public static let standardDomains: Set<String> = [
        "", "ai.onnx", "ai.onnx.ml", "ai.onnx.training", "ai.onnx.preview.training", "ai.onnx.preview",
    ]

    /// Domains whose kernels are compiled into ONNX Runtime itself (contrib, layout and
    /// execution-provider operators): using them needs no library from outside the runtime.
    public static let runtimeBuiltInDomains: Set<String> = [
        "com.microsoft", "com.microsoft.nchwc", "com.microsoft.experimental", "com.microsoft.dml",
        "com.ms.internal.nhwc", "com.microsoft.mlfeaturizers",
    ]

    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "onnx_custom_operator_domain", severity: .medium,
        title: "ONNX model uses operators from a custom domain",
        description: """
        Nodes in this model use operator domains that neither the ONNX standard nor ONNX Runtime's \
        built-in contrib kernels define, and that no local function in the file implements. Running the model \
        requires registering a native custom-operator library (`register_custom_ops_library`, \
        onnxruntime-extensions, a TensorRT plugin) that the file does not contain: whoever ships that \
        library runs native code in the loading process, and the model cannot be vetted without it.
        """,
        remediation: """
        Identify the library that implements each listed operator, obtain it from a trusted publisher and \
        review it, or use a model built only from standard operators.
        """,
        references: ["https://onnxruntime.ai/docs/reference/operators/add-custom-op.html",
                     "https://onnx.ai/onnx/repo-docs/Operators.html", "CWE-829"],
        examples: [
            RuleExample("a node of op_type Exec in domain evil.ops", fileName: "model.onnx", triggers: true) {
                ONNXExample.model(nodes: [ONNXExample.Node("Exec", domain: "evil.ops")], extraOpsets: ["evil.ops"])
            },
            RuleExample("an onnxruntime-extensions operator", fileName: "model.onnx", triggers: true) {
                ONNXExample.model(nodes: [ONNXExample.Node("GPT2Tokenizer", domain: "ai.onnx.contrib")],
                                  extraOpsets: ["ai.onnx.contrib"])
            },
            RuleExample("standard and com.microsoft operators", fileName: "model.onnx", triggers: false) {
                ONNXExample.model(nodes: [ONNXExample.Node("Relu"), ONNXExample.Node("Gelu", domain: "com.microsoft")],
                                  extraOpsets: ["com.microsoft"])
            },
            RuleExample("a call to a local function defined in the file", fileName: "model.onnx", triggers: false) {
                ONNXExample.model(nodes: [ONNXExample.Node("MyBlock", domain: "local")], extraOpsets: ["local"],
                                  functions: ["MyBlock"])
            },
        ])
}

extension ONNXRules {
    /// Reports nodes whose domain is neither standard, nor built into ONNX Runtime, nor a local function.
    static func checkOperators(_ model: ONNXModel, at location: Location, into sink: inout FindingSink) {
        let local = Set(model.functions.map { "\($0.domain)\u{0}\($0.name)" })
        var byDomain: [String: [ONNXNode]] = [:]
        for node in model.nodes {
            if ONNXCustomOperatorRule.standardDomains.contains(node.domain)
                || ONNXCustomOperatorRule.runtimeBuiltInDomains.contains(node.domain)
                || local.contains("\(node.domain)\u{0}\(node.opType)") { continue }
            byDomain[node.domain, default: []].append(node)
        }
        for domain in byDomain.keys.sorted() {
            let nodes = byDomain[domain] ?? []
            let opTypes = Array(Set(nodes.map(\.opType))).sorted()
            let first = nodes.first
            let where_ = first.map { node in
                " (first: " + (node.name.isEmpty ? "an unnamed `\(node.opType)` node" : "node `\(node.name)`") + " in \(node.scope))"
            } ?? ""
            sink.report(ONNXCustomOperatorRule.descriptor,
                        "\(nodes.count) node(s) use operators \(opTypes.map { "`\($0)`" }.joined(separator: ", ")) from custom domain `\(domain)`\(where_)",
                        at: location.at(first?.offset ?? 0),
                        evidence: opTypes.prefix(16).map { "\(domain)::\($0)" }.joined(separator: ", "))
        }
    }
}
