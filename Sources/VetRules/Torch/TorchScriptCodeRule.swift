import VetFixtures
import VetCore

/// A TorchScript archive: its code runs when the model is loaded.
public enum TorchScriptCodeRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "torchscript_code", severity: .medium,
        title: "TorchScript archive carries code that runs on load",
        description: """
        `torch.jit.save` archives contain the model's program as TorchScript source under `code/`, compiled and \
        run by `torch.jit.load`. TorchScript is a restricted language, but it calls any registered operator, \
        including ones that read and write files, and its constants and debug records are pickles (analysed \
        separately). Loading it is running the publisher's program.
        """,
        remediation: "Load TorchScript only from publishers you trust, or review the code/ members first.",
        references: ["https://pytorch.org/docs/stable/jit.html"],
        examples: [
            RuleExample("archive with code/ and constants.pkl", fileName: "model.pt", triggers: true) {
                ZipBuilder().stored("m/data.pkl", PickleAssembler.benignPickle(protocolVersion: 2))
                    .stored("m/constants.pkl", PickleAssembler.benignPickle(protocolVersion: 2))
                    .stored("m/code/__torch__.py", Array("def forward(self):\n  return 1\n".utf8)).bytes()
            },
            RuleExample("weights-only PyTorch zip", fileName: "model.pt", triggers: false) {
                ZipBuilder().stored("m/data.pkl", PickleAssembler.benignPickle(protocolVersion: 2))
                    .stored("m/version", Array("3\n".utf8)).bytes()
            },
        ])
}
