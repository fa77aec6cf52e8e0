import VetCore
import VetFixtures

/// Flags GNU sparse members, whose stored bytes are not the file readers extract.
public enum TarSparseMemberRule {
    public static let descriptor = RuleDescriptor(
        id: "tar_sparse_member", severity: .medium,
        title: "Sparse member inside a tar archive",
        description: "The member is a GNU sparse file (old GNU `S` type, or pax sparse formats 0.0, 0.1 and 1.0): its "
            + "stored chunks are placed at offsets of a larger file whose holes read as zeros. Python's tarfile, which "
            + "`torch.load` uses for legacy tar checkpoints, reassembles it; a scanner that reads the stored bytes sees "
            + "a different file, and a crafted map (out-of-order or overlapping chunks, more chunk bytes than stored) "
            + "makes `extract` and `extractfile` disagree or read into the next member. ModelVet scans the files "
            + "readers reassemble. Model archives never need sparse members.",
        remediation: "Do not load the archive; rebuild it without sparse members (`tar` without `--sparse`).",
        references: ["https://www.gnu.org/software/tar/manual/html_node/Sparse-Formats.html",
                     "https://github.com/python/cpython/blob/main/Lib/tarfile.py"],
        examples: [
            RuleExample("a pax 0.1 sparse member whose hole restores a pickle's zero byte", fileName: "model.tar", triggers: true) {
                TarBuilder().sparseFile("pickle", logical: PickleAssembler.benignPickle(protocolVersion: 2)).bytes()
            },
            RuleExample("the same pickle stored whole", fileName: "model.tar", triggers: false) {
                TarBuilder().file("pickle", PickleAssembler.benignPickle(protocolVersion: 2)).bytes()
            },
        ])
}
