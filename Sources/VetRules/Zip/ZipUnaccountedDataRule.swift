import VetFixtures
import VetCore

/// Flags bytes that no member, header, directory or comment accounts for.
public enum ZipUnaccountedDataRule {
    public static let descriptor = RuleDescriptor(
        id: "zip_unaccounted_data", severity: .medium,
        title: "Bytes outside every zip record",
        description: "Some bytes belong to no member, header, central directory or comment: before the first member, "
            + "between members, before the directory or after the end record. torch.save pads with extra fields, "
            + "never with gaps. Zip readers skip such bytes, but a file that is also a pickle, a polyglot or a "
            + "second archive keeps its other face there, and a loader that sniffs the start of the file (torch.load "
            + "checks for 'PK\\x03\\x04') may read something else entirely.",
        remediation: "Inspect the reported bytes; re-save the model to drop them.",
        references: ["https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT", "CVE-2025-1944"],
        examples: [
            RuleExample("a pickle prepended to the archive", fileName: "model.pt", triggers: true) {
                ZipBuilder().junk(ZipRuleExamples.pickle).stored("archive/data.pkl", ZipRuleExamples.pickle).bytes()
            },
            RuleExample("bytes hidden after the end record", fileName: "model.pt", triggers: true) {
                ZipRuleExamples.torch().trailing(Array("hidden".utf8)).bytes()
            },
            RuleExample("archive with a comment and nothing else", fileName: "model.pt", triggers: false) {
                ZipRuleExamples.torch().comment(Array("made by torch.save".utf8)).bytes()
            },
        ])
}
