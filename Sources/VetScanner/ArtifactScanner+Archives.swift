import VetBytes
import VetCore
import VetFormats
import VetRules

extension ArtifactScanner {
    /// Largest member whose CRC is verified; tensor payloads are never read for a checksum.
    static let crcLimit = 256 << 20

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

    mutating func scanZip(_ source: ByteSource, at location: Location, depth: Int) {
        guard depth < limits.maxDepth else { return tooDeep(source, format: "zip", at: location) }
        let archive: ZipArchive
        defer { source.releaseResidentPages() }
        do { archive = try ZipArchive.parse(source, limits: limits) } catch {
            sink.report(ZipMalformedRule.descriptor, "zip archive cannot be read: \(error)", at: location)
            cover(location, "zip", .unscanned, reason: "unreadable zip structure", size: source.count)
            return
        }
        ZipAnomalyRules.check(archive, at: location, into: &sink)
        // Parsing touched a header page per member; let them go before the members are scanned.
        source.releaseResidentPages()
        let layout = ZipLayout.of(archive.entries)
        if KerasArchive.isKerasArchive(archive) {
            // The config is analysed as Keras reads it; the members (weights included) are scanned below.
            let reasons = KerasRules.checkArchive(archive, at: location, budget: &budget, limits: limits, into: &sink).partialReasons
            cover(location, "keras", reasons.isEmpty ? .scanned : .partial,
                  reason: reasons.isEmpty ? nil : reasons.joined(separator: "; "), size: source.count)
        } else {
            cover(location, layout.name, .scanned, size: source.count)
        }
        if case .torchscript = layout {
            let code = archive.entries.filter { $0.name.contains("/code/") && $0.name.hasSuffix(".py") }.map(\.name)
            sink.report(TorchScriptCodeRule.descriptor,
                        "TorchScript archive with \(code.count) code file(s) that run when loaded with torch.jit.load",
                        at: location, evidence: code.prefix(8).joined(separator: "\n") + (code.count > 8 ? "\n…" : ""))
        }
        let outer = context
        if case .torchscript = layout {
            // torch.jit.load's own unpickler resolves `__torch__.*` names to classes compiled from
            // the archive's code (reported above); it never imports Python modules for them.
            context.imports.allow("__torch__.*")
        }
        for entry in archive.entries.prefix(limits.maxEntries) where !entry.isDirectory {
            scanZipMember(entry, of: archive, layout: layout, at: location.member(entry.name), depth: depth)
        }
        context = outer
    }

    private mutating func scanZipMember(_ entry: ZipEntry, of archive: ZipArchive, layout: ZipLayout, at location: Location, depth: Int) {
        if entry.isSymlink { return cover(location, "symlink", .scanned, reason: "link target reported, not followed", size: entry.uncompressedSize) }
        if entry.isEncrypted { return cover(location, "encrypted", .unscanned, reason: "encrypted member", size: entry.compressedSize) }
        if entry.method != 0 && entry.method != 8 {
            return cover(location, "zip-member", .unscanned, reason: "compression method \(entry.method) is not supported", size: entry.compressedSize)
        }
        let data: ByteSource
        do { data = try archive.contents(of: entry, budget: &budget, limits: limits) } catch {
            if let inflate = error as? InflateError, inflate.isLimitExceeded {
                sink.report(ZipBombRule.descriptor, "member expands beyond the decompression limits: \(inflate)", at: location)
                return cover(location, "zip-member", .partial, reason: "decompression stopped at the limit", size: entry.compressedSize)
            }
            sink.report(ZipMalformedRule.descriptor, "member cannot be extracted: \(error)", at: location)
            return cover(location, "zip-member", .unscanned, reason: "extraction failed", size: entry.compressedSize)
        }
        if layout.isTensorData(entry.name) {
            defer { data.releaseResidentPages() }
            return scanTensorData(data, at: location)
        }
        if data.count <= Self.crcLimit, let mismatch = archive.verifyCRC(of: entry) {
            ZipAnomalyRules.report(mismatch, at: location, into: &sink)
        }
        if case .torchscript = layout, entry.name.hasSuffix(".py") {
            return cover(location, "torchscript-code", .scanned, reason: "reported as code that runs on load", size: data.count)
        }
        scan(data, at: location, name: entry.name, depth: depth + 1)
    }

    /// Tensor storages are raw numbers; only a complete pickle with imports there is worth reporting.
    private mutating func scanTensorData(_ data: ByteSource, at location: Location) {
        // Only the head is sniffed: tensor bytes are never read beyond the first opcodes.
        if PickleSniffer.looksLikePickle(data) {
            let program = PickleMachine.run(data, options: .init(limits: limits))
            if program.completed && !program.imports.isEmpty {
                return scanPickle(data, at: location, format: "pickle-in-tensor-data")
            }
        }
        cover(location, "tensor-data", .scanned, size: data.count)
    }

    mutating func scanTar(_ source: ByteSource, at location: Location, depth: Int) {
        guard depth < limits.maxDepth else { return tooDeep(source, format: "tar", at: location) }
        let archive: TarArchive
        do { archive = try TarArchive.parse(source, limits: limits) } catch {
            sink.report(TarMalformedRule.descriptor, "tar archive cannot be read: \(error)", at: location)
            cover(location, "tar", .unscanned, reason: "unreadable tar structure", size: source.count)
            return
        }
        TarAnomalyRules.check(archive, at: location, into: &sink)
        let legacy = TorchLegacyTar.isLegacy(memberNames: archive.entries.map(\.name))
        cover(location, legacy ? "pytorch-legacy-tar" : "tar", .scanned, size: source.count)
        for entry in archive.entries.prefix(limits.maxEntries) {
            let memberLocation = location.member(entry.name)
            guard entry.isRegularFile, let data = try? source.slice(entry.dataRange) else {
                cover(memberLocation, "tar-\(entry.kind)", .scanned, reason: "not a regular file; reported, not followed", size: entry.size)
                continue
            }
            if legacy, entry.name == "storages" {
                scanLegacyRecords(TorchLegacyTar.readStorages(data, limits: limits), size: data.count, at: memberLocation)
            } else if legacy, entry.name == "tensors" {
                scanLegacyRecords(TorchLegacyTar.readTensors(data, limits: limits), size: data.count, at: memberLocation)
            } else {
                scan(data, at: memberLocation, name: entry.name, depth: depth + 1)
            }
        }
    }

    /// The `storages` and `tensors` members of a legacy tar checkpoint interleave pickles with raw records.
    private mutating func scanLegacyRecords(_ layout: TorchLegacyTar.Layout, size: Int, at location: Location) {
        var stream = PickleStream()
        stream.programs = layout.programs
        stream.anomalies = layout.anomalies
        stream.unaccounted = layout.unaccounted
        PickleRules.check(stream, at: location, context: context, into: &sink)
        cover(location, "pytorch-legacy-records", .scanned, size: size)
    }
}
