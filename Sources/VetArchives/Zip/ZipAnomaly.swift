import VetCore
/// The kinds of irregularity the zip parser reports; each maps to one rule.
public enum ZipAnomalyKind: String, AnomalyKind, Sendable, Hashable, CaseIterable, Codable {
    /// The central directory and the local header (or data descriptor) of a member disagree on
    /// its name, method, flags, CRC or sizes.
    case nameMismatch
    /// General-purpose flag bits outside those ordinary writers set, or an impossible
    /// "version needed to extract".
    case unusualFlags
    /// A member is encrypted (traditional, strong or AES), so its contents cannot be scanned.
    case encrypted
    /// Two members share a name (exactly, up to letter case, or up to a NUL byte).
    case duplicateName
    /// A member name is absolute, climbs with `..`, uses backslashes or drive letters, or holds NUL.
    case pathTraversal
    /// A member is a Unix symbolic link.
    case symlink
    /// A member's data does not match its recorded CRC-32 (checked only on request).
    case crcMismatch
    /// Two members share bytes, or a member lies inside the central directory.
    case overlappingEntries
    /// Bytes that no header, member, directory or comment accounts for.
    case unaccountedData
    /// Declared sizes or entry counts beyond the scan limits, or impossible for the method.
    case compressionBomb
    /// A compression method other than stored (0) or deflate (8).
    case unsupportedMethod
    /// Structural damage: bad signatures, truncation, conflicting end records, wrong counts.
    case malformed
}

/// One irregularity the Zip parser met.
public typealias ZipAnomaly = Anomaly<ZipAnomalyKind>

/// Collects anomalies, keeping at most `perKind` of each kind so a crafted archive with a
/// million bad entries cannot flood a report; the rest are summarised in one closing anomaly.
struct AnomalyLog<Kind: Hashable & RawRepresentable, Item> where Kind.RawValue == String {
    private(set) var items: [Item] = []
    private var counts: [Kind: Int] = [:]
    private var suppressed: [Kind: Int] = [:]
    private var order: [Kind] = []
    let perKind: Int

    init(perKind: Int = 100) { self.perKind = perKind }

    mutating func add(_ kind: Kind, _ item: Item) {
        let seen = counts[kind, default: 0]
        counts[kind] = seen + 1
        if seen < perKind {
            items.append(item)
        } else {
            if suppressed[kind] == nil { order.append(kind) }
            suppressed[kind, default: 0] += 1
        }
    }

    /// The kept items plus one summary item per kind that overflowed.
    func finished(summary: (Kind, Int) -> Item) -> [Item] {
        items + order.map { summary($0, suppressed[$0, default: 0]) }
    }
}
