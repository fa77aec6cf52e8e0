import VetBytes
import VetCore

extension ZipParser {
    /// Checks that members do not share bytes with each other or with the directory, and that
    /// every byte of the file belongs to something.
    mutating func checkLayout() {
        let members = entries.filter(\.hasValidLocalHeader).map { entry in
            LayoutRegion(range: entry.localHeaderOffset..<min(max(entry.endOffset, entry.localHeaderOffset), source.count),
                         label: "member '\(entry.name)'", entryIndex: entry.index)
        }.sorted { ($0.range.lowerBound, $0.entryIndex ?? 0) < ($1.range.lowerBound, $1.entryIndex ?? 0) }
        checkOverlaps(members)
        checkGaps((members + structures).sorted { $0.range.lowerBound < $1.range.lowerBound })
    }

    private mutating func checkOverlaps(_ members: [LayoutRegion]) {
        var reach: LayoutRegion?
        for region in members {
            if let widest = reach, region.range.lowerBound < widest.range.upperBound {
                let name = region.entryIndex.map { entries[$0].name }
                record(ZipAnomaly(.overlappingEntries, "The \(region.label) starts at offset \(region.range.lowerBound), "
                    + "inside the \(widest.label) (\(widest.range.lowerBound)..<\(widest.range.upperBound)); overlapping "
                    + "members are how small files inflate to huge ones and how one reader's member hides inside another's.",
                    entryName: name, offset: region.range.lowerBound,
                    evidence: "\(widest.range) overlaps \(region.range)"))
            }
            if reach.map({ region.range.upperBound > $0.range.upperBound }) ?? true { reach = region }
            for structure in structures where structure.range.overlaps(region.range) {
                record(ZipAnomaly(.overlappingEntries, "The \(region.label) (\(region.range.lowerBound)..<"
                    + "\(region.range.upperBound)) overlaps \(structure.label) (\(structure.range.lowerBound)..<"
                    + "\(structure.range.upperBound)).", entryName: region.entryIndex.map { entries[$0].name },
                    offset: region.range.lowerBound))
            }
        }
    }

    /// Sweeps the regions in offset order and reports every stretch none of them covers.
    private mutating func checkGaps(_ regions: [LayoutRegion]) {
        var cursor = 0
        var previous: LayoutRegion?
        for region in regions {
            if region.range.lowerBound > cursor {
                reportGap(cursor..<region.range.lowerBound, after: previous, before: region)
            }
            if region.range.upperBound > cursor {
                cursor = region.range.upperBound
                previous = region
            }
        }
        if cursor < source.count { reportGap(cursor..<source.count, after: previous, before: nil) }
    }

    private mutating func reportGap(_ gap: Range<Int>, after: LayoutRegion?, before: LayoutRegion?) {
        let place: String
        switch (after, before) {
        case (nil, _): place = "before the first record"
        case let (previous?, nil): place = "after \(previous.label)"
        case let (previous?, next?): place = "between \(previous.label) and \(next.label)"
        }
        // Only small gaps are inspected in full; the note is a courtesy, not a reason to read gigabytes.
        let allZero = gap.count <= 1 << 20 && source.clampedSlice(from: gap.lowerBound, length: gap.count)
            .withUnsafeBytes { bytes in bytes.allSatisfy { $0 == 0 } }
        record(ZipAnomaly(.unaccountedData, "\(gap.count) bytes at offset \(gap.lowerBound) \(place) belong to no "
            + "member or record" + (allZero ? " (all zero)" : "") + "; data hidden there is invisible to zip readers "
            + "but not to other parsers of the file.", offset: gap.lowerBound,
            evidence: Evidence.bytesLiteral(source.prefixBytes(from: gap.lowerBound, length: min(gap.count, 48)),
                                            maxBytes: 48)))
    }
}
