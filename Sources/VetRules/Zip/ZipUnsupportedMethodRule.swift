import VetFixtures
import VetCore

/// Flags members compressed with a method the scanner cannot decode.
public enum ZipUnsupportedMethodRule {
    public static let descriptor = RuleDescriptor(
        id: "zip_unsupported_method", severity: .medium,
        title: "Unsupported zip compression method",
        description: "The member uses a compression method other than stored or deflate (bzip2, LZMA, zstd, "
            + "deflate64, …). Its contents are not scanned. PyTorch cannot read it either, but Python's zipfile "
            + "reads bzip2 and LZMA, so tools built on it may load what this scan could not inspect.",
        remediation: "Re-save the archive with stored or deflate members and scan it again.",
        references: ["https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT"],
        examples: [
            RuleExample("member compressed with bzip2 (method 12)", fileName: "model.zip", triggers: true) {
                ZipBuilder().stored("model/data.pkl", ZipRuleExamples.pickle) { $0.method = 12 }.bytes()
            },
            RuleExample("deflated member", fileName: "model.zip", triggers: false) {
                ZipBuilder().deflated("model/data.pkl", ZipRuleExamples.pickle).bytes()
            },
        ])
}
