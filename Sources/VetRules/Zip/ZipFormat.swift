import VetArchives
import VetBytes
import VetCore
import VetKeras
import VetPickle

/// Zip archives: PyTorch checkpoints, TorchScript, `.npz`, `.keras` and plain zips.
///
/// Readers that start from the end (Python's zipfile, PyTorch's miniz) open a zip whatever bytes
/// precede it, so the claim is the local-header signature at the start or a plausible end record
/// at the tail; a pickle/zip polyglot is therefore read both ways by construction.
public struct ZipFormat: FormatPlugin {
    /// Largest member whose CRC is verified; tensor payloads are never read for a checksum.
    static let crcLimit = 256 << 20

    public let name = "zip"
    public var rules: [RuleDescriptor] { ZipAnomalyRules.rules + [TorchScriptCodeRule.descriptor] + KerasRules.all }

    public init() {}

    public func claim(_ artifact: Artifact) -> FormatClaim? {
        if artifact.starts(with: [0x50, 0x4B, 0x03, 0x04]) || artifact.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
            return FormatClaim(.magic, "local header or end record at offset 0")
        }
        if ZipArchive.sniffTail(artifact.source) { return FormatClaim(.structure, "end-of-central-directory record at the tail") }
        return nil
    }

    public func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession) {
        guard session.canOpen(artifact, as: "zip") else { return }
        let source = artifact.source
        let location = artifact.location
        defer { source.releaseResidentPages() }
        let archive: ZipArchive
        do { archive = try ZipArchive.parse(source, limits: session.limits) } catch {
            session.report(ZipMalformedRule.descriptor, "zip archive cannot be read: \(error)", at: location)
            return session.cover(artifact, "zip", .unscanned, reason: "unreadable zip structure")
        }
        ZipAnomalyRules.report(archive.anomalies, at: location, into: &session.sink)
        // Parsing touched a header page per member; let them go before the members are scanned.
        source.releaseResidentPages()
        let layout = ZipLayout.of(archive.entries)
        if KerasArchive.isKerasArchive(archive, name: artifact.baseName) {
            // The config is analysed as Keras reads it; the members (weights included) are scanned below.
            let outcome = KerasRules.checkArchive(archive, at: location, budget: &session.budget, limits: session.limits,
                                                  into: &session.sink)
            session.cover(artifact, "keras", partialReasons: outcome.partialReasons)
            outcome.scanEmbeddedModules(of: artifact, session: session)
        } else {
            session.cover(artifact, layout.name, .scanned)
        }
        let outer = session.context
        if case .torchscript = layout {
            let code = archive.entries.filter { $0.name.contains("/code/") && $0.name.hasSuffix(".py") }.map(\.name)
            session.report(TorchScriptCodeRule.descriptor,
                           "TorchScript archive with \(code.count) code file(s) that run when loaded with torch.jit.load",
                           at: location, evidence: code.prefix(8).joined(separator: "\n") + (code.count > 8 ? "\n…" : ""))
            // torch.jit.load's own unpickler resolves `__torch__.*` names to classes compiled from
            // the archive's code (reported above); it never imports Python modules for them.
            session.context.imports.allow("__torch__.*")
        }
        for entry in archive.entries.prefix(session.limits.maxEntries) where !entry.isDirectory {
            scanMember(entry, of: archive, layout: layout, parent: artifact, session: session)
        }
        session.context = outer
    }

    private func scanMember(_ entry: ZipEntry, of archive: ZipArchive, layout: ZipLayout, parent: Artifact, session: ScanSession) {
        let location = parent.location.member(entry.name)
        if entry.isSymlink {
            return session.cover(location, "symlink", .scanned, reason: "link target reported, not followed", size: entry.uncompressedSize)
        }
        if entry.isEncrypted { return session.cover(location, "encrypted", .unscanned, reason: "encrypted member", size: entry.compressedSize) }
        if entry.method != 0 && entry.method != 8 {
            return session.cover(location, "zip-member", .unscanned, reason: "compression method \(entry.method) is not supported",
                                 size: entry.compressedSize)
        }
        let data: ByteSource
        do { data = try archive.contents(of: entry, budget: &session.budget, limits: session.limits) } catch {
            if let inflate = error as? InflateError, inflate.isLimitExceeded {
                session.report(ZipBombRule.descriptor, "member expands beyond the decompression limits: \(inflate)", at: location)
                return session.cover(location, "zip-member", .partial, reason: "decompression stopped at the limit", size: entry.compressedSize)
            }
            session.report(ZipMalformedRule.descriptor, "member cannot be extracted: \(error)", at: location)
            return session.cover(location, "zip-member", .unscanned, reason: "extraction failed", size: entry.compressedSize)
        }
        if layout.isTensorData(entry.name) {
            defer { data.releaseResidentPages() }
            return session.scanMember(data, at: location, name: entry.name, of: parent, readers: [TensorDataFormat()])
        }
        if data.count <= Self.crcLimit, let mismatch = archive.verifyCRC(of: entry) {
            ZipAnomalyRules.report([mismatch], at: location, into: &session.sink)
        }
        if case .torchscript = layout, entry.name.hasSuffix(".py") {
            return session.cover(location, "torchscript-code", .scanned, reason: "reported as code that runs on load", size: data.count)
        }
        session.scanMember(data, at: location, name: entry.name, of: parent)
    }
}

/// What kind of zip this is, from its member names.
enum ZipLayout {
    case pytorch(root: String), torchscript(root: String), npz, plain

    var name: String {
        switch self {
        case .pytorch: "pytorch-zip"
        case .torchscript: "torchscript"
        case .npz: "numpy-npz"
        case .plain: "zip"
        }
    }

    static func of(_ entries: [ZipEntry]) -> ZipLayout {
        let names = entries.map(\.name)
        if let pkl = names.first(where: { $0.hasSuffix("/data.pkl") && $0.split(separator: "/").count == 2 }) {
            let root = String(pkl.dropLast("/data.pkl".count))
            if names.contains(where: { $0.hasPrefix(root + "/code/") }) || names.contains(root + "/constants.pkl") {
                return .torchscript(root: root)
            }
            return .pytorch(root: root)
        }
        if !names.isEmpty, names.allSatisfy({ $0.hasSuffix(".npy") }) { return .npz }
        return .plain
    }

    /// Whether `name` is a raw tensor storage record, which the loader never interprets.
    func isTensorData(_ name: String) -> Bool {
        switch self {
        case let .pytorch(root), let .torchscript(root):
            let prefix = root + "/data/"
            return name.hasPrefix(prefix) && !name.dropFirst(prefix.count).contains("/")
        default: return false
        }
    }
}

/// Raw tensor storage records of a PyTorch zip: numbers the loader copies, never interprets.
/// Only the head is sniffed, and only a complete pickle with imports there is worth reporting;
/// this reader is used only for members the zip reader knows to be tensor data.
public struct TensorDataFormat: FormatPlugin {
    public let name = "tensor-data"
    public var rules: [RuleDescriptor] { [] }

    public init() {}

    public func claim(_ artifact: Artifact) -> FormatClaim? { FormatClaim(.structure, "a tensor storage record of its archive") }

    public func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession) {
        if PickleSniffer.looksLikePickle(artifact.source) {
            let program = PickleMachine.run(artifact.source, options: .init(limits: session.limits))
            if program.completed && !program.imports.isEmpty {
                return PickleFormat.analyzeStream(artifact.source, artifact: artifact, session: session, format: "pickle-in-tensor-data")
            }
        }
        session.cover(artifact, "tensor-data", .scanned)
    }
}
