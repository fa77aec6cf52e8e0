/// Budgets that bound every count, size and depth a scan may reach, so crafted input cannot
/// make a scan hang or exhaust memory.
public struct ScanLimits: Sendable, Equatable {
    /// How deep containers may nest (a zip in a zip is depth 2).
    public var maxDepth = 8
    /// How many members one archive may list before the rest are reported, not scanned.
    public var maxEntries = 100_000
    /// Total bytes that may be decompressed for one top-level file.
    public var maxDecompressedBytes = 4 << 30
    /// Largest decompressed-to-compressed ratio accepted for one member.
    public var maxCompressionRatio = 200
    /// Members smaller than this compressed size are exempt from the ratio check.
    public var ratioExemptBelow = 1 << 20
    /// Opcodes one pickle may contain before the machine stops.
    public var maxPickleOpcodes = 20_000_000
    /// Stack and mark depth the pickle machine tolerates.
    public var maxPickleStackDepth = 100_000
    /// Memo slots one pickle may create.
    public var maxMemoEntries = 5_000_000
    /// Logical element count (following shared references) a pickle may build before it is
    /// reported as an expansion bomb.
    public var maxLogicalElements = 100_000_000
    /// Largest single length prefix (string, bytes, frame) accepted without a finding.
    public var maxOperandLength = 1 << 30
    /// How deep pickles embedded in byte or string operands are followed.
    public var maxNestedPickleDepth = 4
    /// How many pickles one stream may stack before the rest are skipped with a finding.
    public var maxPicklesPerStream = 10_000
    /// How many bytes of a member are kept in memory when it must be decompressed to be scanned.
    public var maxInMemoryMember = 1 << 30
    /// How deep JSON and YAML configs may nest. Python's json module follows documents as deep as
    /// its recursion limit allows, so this stays above that; deeper documents are findings.
    public var maxConfigDepth = 5_000

    /// The defaults.
    public init() {}
}
