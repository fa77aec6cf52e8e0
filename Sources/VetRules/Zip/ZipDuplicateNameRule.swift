import VetCore

/// Flags members that share a name, so different readers open different ones.
public enum ZipDuplicateNameRule {
    public static let descriptor = RuleDescriptor(
        id: "zip_duplicate_name", severity: .high,
        title: "Duplicate zip member name",
        description: "Two members carry the same name (or names PyTorch treats as the same: miniz compares them "
            + "ignoring ASCII case, Python's zipfile cuts them at a NUL byte). Python's zipfile opens the last copy; "
            + "PyTorch's miniz heap-sorts the names and binary-searches them, so which copy torch.load reads depends "
            + "on every name in the archive. A scanner that inspects one copy can pass a model whose loader "
            + "executes the other.",
        remediation: "Do not load the file; rebuild the archive so every member name is unique.",
        references: ["CVE-2013-4787", "https://github.com/pytorch/pytorch/blob/main/caffe2/serialize/inline_container.cc"],
        examples: [
            RuleExample("two members named archive/data.pkl", fileName: "model.pt", triggers: true) {
                ZipRuleExamples.torch().stored("archive/data.pkl", ZipRuleExamples.pickle).bytes()
            },
            RuleExample("names differ only in case, which miniz ignores", fileName: "model.pt", triggers: true) {
                ZipRuleExamples.torch().stored("archive/DATA.pkl", ZipRuleExamples.pickle).bytes()
            },
            RuleExample("distinct member names", fileName: "model.pt", triggers: false) {
                ZipRuleExamples.torch().stored("archive/data/1", [1, 2, 3, 4]).bytes()
            },
        ])
}
