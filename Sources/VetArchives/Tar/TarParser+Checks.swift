import VetCore

extension TarParser {
    /// Checks names, links, special files and duplicates once every member is listed.
    mutating func checkEntries() {
        for entry in entries {
            let problems = ArchiveNames.traversalProblems(entry.rawName)
            if !problems.isEmpty {
                record(TarAnomaly(.pathTraversal, "The member name '\(entry.name)' " + problems.joined(separator: "; ")
                    + "; extracting it can write outside the target directory.", entryName: entry.name,
                    offset: entry.headerOffset, evidence: Evidence.bytesLiteral(entry.rawName, maxBytes: 200)))
            }
            switch entry.kind {
            case .symbolicLink, .hardLink:
                let symbolic = entry.kind == .symbolicLink
                let escapes = ArchiveNames.linkTargetEscapes(entry.rawLinkName)
                record(TarAnomaly(.link, "'\(entry.name)' is a \(symbolic ? "symbolic" : "hard") link to "
                    + "'\(entry.linkName)'" + (escapes ? ", which points outside the extraction directory" : "")
                    + "; extractors create it, and later members can be written through it.",
                    entryName: entry.name, offset: entry.headerOffset,
                    evidence: "\(entry.name) -> \(entry.linkName)"))
            case .characterDevice, .blockDevice, .fifo:
                let what = entry.kind == .fifo ? "named pipe" : "device node"
                record(TarAnomaly(.specialFile, "'\(entry.name)' is a \(what); extracting it as root creates it, and "
                    + "reading it can block or reach hardware.", entryName: entry.name, offset: entry.headerOffset,
                    evidence: "type '\(Character(Unicode.Scalar(entry.typeflag)))'"))
            default:
                break
            }
        }
        checkDuplicates()
    }

    private mutating func checkDuplicates() {
        var groups: [String: [Int]] = [:]
        for entry in entries {
            groups[ArchiveNames.normalizedPath(entry.name), default: []].append(entry.index)
        }
        for (name, group) in groups.sorted(by: { $0.value[0] < $1.value[0] }) where group.count > 1 {
            guard group.contains(where: { entries[$0].kind != .directory }), let last = group.last else { continue }
            let listed = group.map { "#\($0) at offset \(entries[$0].headerOffset)" }.joined(separator: ", ")
            record(TarAnomaly(.duplicateName, "\(group.count) members are named '\(name)' (\(listed)); Python's "
                + "tarfile.getmember and extraction both end with the last (#\(last)), a scanner that stops at the first "
                + "sees different content.", entryName: name, offset: entries[last].headerOffset,
                evidence: group.map { entries[$0].name }.joined(separator: " | ")))
        }
    }
}
