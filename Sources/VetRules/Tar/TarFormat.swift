import VetArchives
import VetBytes
import VetCore
import VetPickle

/// Tar archives, including PyTorch's legacy tar checkpoints.
///
/// Python's tarfile (which `torch.load` tries before unpickling) accepts any first block whose
/// header checksum matches, with or without the `ustar` magic, so that is the claim.
public struct TarFormat: FormatPlugin {
    public let name = "tar"
    public var rules: [RuleDescriptor] { TarAnomalyRules.rules }

    public init() {}

    public func claim(_ artifact: Artifact) -> FormatClaim? {
        if artifact.starts(with: Array("ustar".utf8), at: 257) { return FormatClaim(.magic, "ustar magic") }
        if TarArchive.sniff(artifact.head) { return FormatClaim(.structure, "a tar header block with a valid checksum") }
        return nil
    }

    public func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession) {
        guard session.canOpen(artifact, as: "tar") else { return }
        let location = artifact.location
        let archive: TarArchive
        do { archive = try TarArchive.parse(artifact.source, limits: session.limits) } catch {
            session.report(TarMalformedRule.descriptor, "tar archive cannot be read: \(error)", at: location)
            return session.cover(artifact, "tar", .unscanned, reason: "unreadable tar structure")
        }
        TarAnomalyRules.report(archive.anomalies, at: location, into: &session.sink)
        let legacy = TorchLegacyTar.isLegacy(memberNames: archive.entries.map(\.name))
        session.cover(artifact, legacy ? "pytorch-legacy-tar" : "tar", .scanned)
        for entry in archive.entries.prefix(session.limits.maxEntries) {
            let memberLocation = location.member(entry.name)
            guard entry.isRegularFile else {
                session.cover(memberLocation, "tar-\(entry.kind)", .scanned, reason: "not a regular file; reported, not followed", size: entry.size)
                continue
            }
            var data: ByteSource
            do { data = try archive.contents(of: entry) } catch {
                // The parser reported the truncation; the part that is present is still scanned.
                session.cover(memberLocation, "tar-member", .partial, reason: "the member is cut off by the end of the archive", size: entry.size)
                data = artifact.source.clampedSlice(entry.dataRange)
            }
            if let sparse = entry.sparse {
                // Readers see the reassembled file, not the stored chunks (both views when they differ).
                guard let views = archive.sparseViews(of: entry, limit: min(session.limits.maxInMemoryMember, session.budget.remaining)) else {
                    session.report(TarSparseMemberRule.descriptor, "the \(sparse.realSize)-byte file of sparse member '\(entry.name)' exceeds the in-memory limit; it was not examined",
                                   at: memberLocation, severity: .high)
                    session.cover(memberLocation, "tar-sparse-member", .unscanned, reason: "reassembled file over the memory limit", size: sparse.realSize)
                    continue
                }
                data = views[0]
                if views.count > 1 {
                    session.scanMember(views[1], at: location.member(entry.name + "<extractfile view>"), name: entry.name, of: artifact)
                }
            }
            if legacy, entry.name == "storages" {
                scanLegacyRecords(TorchLegacyTar.readStorages(data, limits: session.limits), data: data, at: memberLocation, session: session)
            } else if legacy, entry.name == "tensors" {
                scanLegacyRecords(TorchLegacyTar.readTensors(data, limits: session.limits), data: data, at: memberLocation, session: session)
            } else {
                session.scanMember(data, at: memberLocation, name: entry.name, of: artifact)
            }
        }
    }

    /// The `storages` and `tensors` members of a legacy tar checkpoint interleave pickles with raw
    /// records. Bytes the walk cannot place are reported and read as pickles too: a record sized
    /// differently from torch's reading would otherwise hide the pickle torch runs next.
    private func scanLegacyRecords(_ layout: TorchLegacyTar.Layout, data: ByteSource, at location: Location, session: ScanSession) {
        var stream = PickleStream()
        stream.programs = layout.programs
        stream.anomalies = layout.anomalies
        stream.unaccounted = layout.unaccounted
        for range in layout.unaccounted {
            var hidden = PickleStream.read(data.clampedSlice(range), limits: session.limits)
            hidden.shift(by: range.lowerBound)
            stream.programs += hidden.programs.filter { !$0.imports.isEmpty }
        }
        PickleRules.check(stream, at: location, context: session.context, into: &session.sink)
        session.cover(location, "pytorch-legacy-records", .scanned, size: data.count)
    }
}
