import VetCore
import VetFormats

/// A Hugging Face config that needs `trust_remote_code`.
public enum RemoteCodeRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "repo_remote_code", severity: .high,
        title: "Model needs trust_remote_code",
        description: """
        `config.json` (or a tokenizer or processor config) maps classes through `auto_map` to Python files in the \
        repository. Transformers imports and runs those files when the model is loaded with \
        `trust_remote_code=True`: loading the model is running the publisher's code. The finding names the code \
        files; their own findings say what the code does.
        """,
        remediation: "Review the named files, pin the revision you reviewed, or use a model with a built-in architecture.",
        references: ["https://huggingface.co/docs/transformers/main/custom_models", "CWE-829"],
        examples: [
            RuleExample("auto_map to a custom model file", fileName: "config.json", triggers: true) {
                Array(#"{"model_type":"x","auto_map":{"AutoModel":"modeling_x.XModel"}}"#.utf8)
            },
            RuleExample("a built-in architecture", fileName: "config.json", triggers: false) {
                Array(#"{"model_type":"llama","architectures":["LlamaForCausalLM"]}"#.utf8)
            },
        ])

    /// Reports `auto_map` entries of a parsed config.
    public static func check(_ config: JSONValue, at location: Location, into sink: inout FindingSink) {
        guard let map = config["auto_map"] else { return }
        var targets: [String] = []
        for member in map.members ?? [] {
            if let target = member.value.string { targets.append(target) }
            for item in member.value.array ?? [] { if let target = item.string { targets.append(target) } }
        }
        // "module.Class" or "repo--module.Class": the module is a .py file (in this or another repository).
        let files = Set(targets.map { target -> String in
            let local = target.split(separator: "--").last.map(String.init) ?? target
            return (local.split(separator: ".").dropLast().joined(separator: "/")) + ".py"
        }).sorted()
        let remote = targets.contains { $0.contains("--") }
        sink.report(descriptor, "auto_map loads code from " + files.joined(separator: ", ")
                    + (remote ? " (some from another repository)" : ""),
                    at: location, evidence: targets.sorted().joined(separator: "\n"))
    }
}
