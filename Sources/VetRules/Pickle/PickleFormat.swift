import VetArchives
import VetBytes
import VetCore
import VetPickle

/// Pickle streams: plain pickles, joblib files, legacy PyTorch checkpoints.
///
/// A pickle has no signature before protocol 2, and a loader reads whatever it is handed, so the
/// claim asks what a loader would do with the bytes rather than what they look like: any content
/// on which `pickle.load` would import and call a Python name, or run cleanly to STOP, is analysed
/// as a pickle, text included.
public struct PickleFormat: FormatPlugin {
    /// Names whose loaders unpickle: `pickle`/`joblib`/`torch.load` by convention, and `numpy.load`,
    /// which falls back to `pickle.load` (with `allow_pickle=True`) for content without the NPY header.
    public static let loaderNames = [".pkl", ".pickle", ".p", ".dill", ".pt", ".pth", ".ckpt", ".joblib", ".bin", ".sav",
                                     ".npy", ".model", ".pth.tar", ".pt.tar", ".ckpt.tar", ".data"]

    public let name = "pickle"

    public var rules: [RuleDescriptor] {
        [PickleDangerousImportRule.descriptor, PickleAttributeTraversalRule.descriptor, PickleUnresolvedImportRule.descriptor,
         PickleUnknownImportRule.descriptor, PickleExtensionRule.descriptor, PickleGlobalMutationRule.descriptor,
         PickleMalformedRule.descriptor, PickleResourceLimitRule.descriptor, PickleUnaccountedDataRule.descriptor,
         PickleEmbeddedPickleRule.descriptor, NumpyObjectBytesRule.descriptor]
    }

    public init() {}

    public func claim(_ artifact: Artifact) -> FormatClaim? {
        let head = artifact.head
        if head.count >= 2, head[0] == PickleOpcode.proto.rawValue, head[1] <= 5 {
            return FormatClaim(.magic, "PROTO \(head[1]) header")
        }
        guard let first = head.first, PickleOpcode(rawValue: first) != nil else { return nil }
        // A zip's local header begins with PERSID ('P'): plain `pickle.load` and joblib stop at it
        // (they have no persistent_load), and the one loader with persistent_load, torch's, opens
        // content with this signature as a zip and never unpickles it. Its members, stored ones
        // included, are read through the zip; bytes outside them are zip_unaccounted_data.
        if artifact.starts(with: Self.zipLocalHeader) { return nil }
        let probe = PickleProbe.run(artifact.source, limits: artifact.limits)
        if probe.calls { return FormatClaim(.structure, "unpickling it imports and calls a Python name") }
        if probe.completesCleanly, probe.instructions > 1 { return FormatClaim(.structure, "a complete pickle stream") }
        if probe.imports, !artifact.isText { return FormatClaim(.structure, "unpickling it imports a Python name") }
        // Loaders chosen by name look for their containers first (torch.load: zip, then tar;
        // joblib: its compressors; numpy.load: zip and the NPY header) and unpickle only what is
        // none of those; what is left is claimed when its first opcode runs.
        if artifact.named(Self.loaderNames), probe.firstError.map({ $0 > 0 }) ?? true,
           !Self.dispatchSignatures.contains(where: { artifact.starts(with: $0) }), !TarArchive.sniff(head) {
            return FormatClaim(.name, "named like a pickle and its first opcodes run")
        }
        return nil
    }

    static let zipLocalHeader: [UInt8] = [0x50, 0x4B, 0x03, 0x04]

    /// Signatures name-chosen pickle loaders recognise and open before they would unpickle: zip,
    /// gzip, bzip2, xz, lzma-alone, zlib (joblib's levels), lz4, zstd and the NPY header.
    static let dispatchSignatures: [[UInt8]] = [
        [0x50, 0x4B], [0x1F, 0x8B], Array("BZh".utf8), [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], [0x5D, 0x00, 0x00],
        [0x78, 0x01], [0x78, 0x5E], [0x78, 0x9C], [0x78, 0xDA], [0x04, 0x22, 0x4D, 0x18], [0x28, 0xB5, 0x2F, 0xFD],
        [0x93] + Array("NUMPY".utf8),
    ]

    public func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession) {
        Self.analyzeStream(artifact.source, artifact: artifact, session: session)
    }

    /// Runs the pickle machine over a whole stream and the pickle rules over the result.
    /// - Parameter format: The coverage name, when the caller knows better than the stream's shape.
    static func analyzeStream(_ source: ByteSource, artifact: Artifact, session: ScanSession, format: String? = nil) {
        let stream = PickleStream.read(source, limits: session.limits)
        PickleRules.check(stream, at: artifact.location, context: session.context, into: &session.sink)
        let limited = stream.programs.contains { $0.anomalies.contains { $0.kind == .resourceLimit } }
            || stream.anomalies.contains { $0.kind == .resourceLimit }
        let name = format ?? (stream.isTorchLegacy ? "pytorch-legacy"
            : stream.programs.contains { !$0.arrayPayloads.isEmpty } ? "joblib" : "pickle")
        session.cover(artifact, name, limited ? .partial : .scanned, reason: limited ? "a resource limit stopped the analysis early" : nil)
    }
}
