import VetBytes
import VetCore

extension ZipParser {
    /// Runs the checks that concern the archive as a whole: duplicate names and total size.
    mutating func checkArchive(declared: Int) {
        checkDuplicates(declared: declared)
        var total = 0
        for entry in entries where entry.method != 0 {
            total = Inflater.saturatingAdd(total, entry.uncompressedSize)
        }
        if total > limits.maxDecompressedBytes {
            record(ZipAnomaly(.compressionBomb, "The compressed members declare \(total) uncompressed bytes in total, "
                + "more than the limit of \(limits.maxDecompressedBytes).", offset: entries.first?.localHeaderOffset,
                evidence: "total \(total)"))
        }
    }

    private mutating func checkDuplicates(declared: Int) {
        var exact: [[UInt8]: [Int]] = [:]
        var folded: [[UInt8]: [Int]] = [:]
        var truncated: [[UInt8]: [Int]] = [:]
        for entry in entries {
            exact[entry.rawName, default: []].append(entry.index)
            folded[entry.rawName.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, default: []].append(entry.index)
            if let nul = entry.rawName.firstIndex(of: 0) {
                truncated[Array(entry.rawName[..<nul]), default: []].append(entry.index)
            }
        }
        guard exact.count < entries.count || folded.count < entries.count || !truncated.isEmpty else { return }
        let lookup = MinizNameLookup(names: entries.prefix(declared).map(\.rawName))
        for group in exact.values.filter({ $0.count > 1 }).sorted(by: { $0[0] < $1[0] }) {
            let pick = lookup.locate(entries[group[0]].rawName).map { "#\($0)" } ?? "none"
            reportDuplicates(group, message: "\(group.count) members are named '\(entries[group[0]].name)' "
                + "(\(listing(group))). Python's zipfile opens the last (#\(group[group.count - 1])); PyTorch's miniz "
                + "heap-sorts the names (an unstable sort) and binary-searches them, so it opens \(pick) here — neither "
                + "reliably the first nor the last. A scanner that reads one copy can miss the other.")
        }
        for group in folded.values.filter({ $0.count > 1 }).sorted(by: { $0[0] < $1[0] })
            where Set(group.map { entries[$0].rawName }).count > 1 {
            let resolved = group.map { index in
                "'\(entries[index].name)' to #\(lookup.locate(entries[index].rawName).map(String.init) ?? "none")"
            }
            reportDuplicates(group, message: "The names of \(listing(group)) differ only in letter case. PyTorch's miniz "
                + "ignores ASCII case when looking members up and resolves " + resolved.joined(separator: ", ")
                + ", while case-sensitive readers keep them apart.")
        }
        for (prefix, group) in truncated.sorted(by: { $0.value[0] < $1.value[0] }) {
            let clashing = (group + (exact[prefix] ?? [])).sorted()
            guard clashing.count > 1, let last = clashing.last else { continue }
            let shown = ArchiveNames.decodeZipName(prefix, utf8Flag: true)
            let pick = lookup.locate(prefix).map { "#\($0)" } ?? "no member"
            reportDuplicates(clashing, message: "The names of \(listing(clashing)) are the same once cut at the NUL "
                + "byte: Python's zipfile opens #\(last) for '\(shown)', PyTorch's miniz (which compares full names) "
                + "opens \(pick).")
        }
    }

    private func listing(_ group: [Int]) -> String {
        group.map { "#\($0) at offset \(entries[$0].localHeaderOffset)" }.joined(separator: ", ")
    }

    /// Reports one group of clashing names.
    private mutating func reportDuplicates(_ group: [Int], message: String) {
        guard let last = group.last else { return }
        record(ZipAnomaly(.duplicateName, message, entryName: entries[last].name, offset: entries[last].localHeaderOffset,
                          evidence: group.map { entries[$0].name }.joined(separator: " | ")))
    }
}
