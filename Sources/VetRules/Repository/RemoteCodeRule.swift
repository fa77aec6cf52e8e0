import VetCore
import VetText

/// A Hugging Face config that needs `trust_remote_code`.
public enum RemoteCodeRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "repo_remote_code", severity: .high,
        title: "Model needs trust_remote_code",
        description: """
        `config.json` (or a tokenizer or processor config) maps classes through `auto_map`, or pipeline tasks \
        through `custom_pipelines`, to Python files in the repository. Transformers imports and runs those files \
        when the model is loaded with `trust_remote_code=True`: loading the model is running the publisher's code. The finding names the code \
        files; their own findings say what the code does.
        """,
        remediation: "Review the named files, pin the revision you reviewed, or use a model with a built-in architecture.",
        references: ["https://huggingface.co/docs/transformers/main/custom_models", "CWE-829"],
        examples: [
            RuleExample("auto_map to a custom model file", fileName: "config.json", triggers: true) {
                Array(#"{"model_type":"x","auto_map":{"AutoModel":"modeling_x.XModel"}}"#.utf8)
            },
            RuleExample("custom_pipelines naming a pipeline implementation", fileName: "config.json", triggers: true) {
                Array(#"{"custom_pipelines":{"text-classification":{"impl":"pipeline_x.XPipeline","pt":["AutoModel"]}}}"#.utf8)
            },
            RuleExample("auto_map in a config with a NaN, which Python's json module reads", fileName: "config.json",
                        triggers: true) {
                Array(#"{"initializer_range":NaN,"auto_map":{"AutoModel":"modeling_x.XModel"}}"#.utf8)
            },
            RuleExample("a built-in architecture", fileName: "config.json", triggers: false) {
                Array(#"{"model_type":"llama","architectures":["LlamaForCausalLM"]}"#.utf8)
            },
        ])

    /// Reports the code a parsed config makes its loader import: `auto_map` classes and
    /// `custom_pipelines` implementations. Every occurrence of either key is read (Python keeps the
    /// last of duplicate keys, other readers the first; ModelVet reports all of them).
    public static func check(_ config: JSONValue, at location: Location, into sink: inout FindingSink) {
        var targets: [String] = []
        var keys: [String] = []
        for member in config.members ?? [] {
            switch member.key {
            case "auto_map":
                keys.append("auto_map")
                for entry in member.value.members ?? [] {
                    if let target = entry.value.string { targets.append(target) }
                    for item in entry.value.array ?? [] { if let target = item.string { targets.append(target) } }
                }
            case "custom_pipelines":
                keys.append("custom_pipelines")
                for task in member.value.members ?? [] {
                    if let target = task.value["impl"]?.string { targets.append(target) }
                }
            default: continue
            }
        }
        guard !keys.isEmpty else { return }
        // "module.Class" or "repo--module.Class": the module is a .py file (in this or another repository).
        let files = Set(targets.map { target -> String in
            let local = target.split(separator: "--").last.map(String.init) ?? target
            return (local.split(separator: ".").dropLast().joined(separator: "/")) + ".py"
        }).sorted()
        let remote = targets.contains { $0.contains("--") }
        let via = Set(keys).sorted().joined(separator: " and ")
        let what = files.isEmpty ? "declares code to load but names no module" : "loads code from " + files.joined(separator: ", ")
        sink.report(descriptor, "\(via) \(what)" + (remote ? " (some from another repository)" : ""),
                    at: location, evidence: targets.sorted().joined(separator: "\n"))
    }
}
