import VetArchives
import VetBytes
import VetCore

/// One compressed stream format ModelVet decompresses (joblib's compressors, `.tar.gz` and the
/// like): decompressed within the file's budget and scanned as a member.
public struct CompressedStreamFormat: FormatPlugin {
    /// The framings, with their signatures.
    public enum Kind: String, Sendable, CaseIterable {
        case gzip, zlib, xz, lzma, bzip2
    }

    /// Which framing this reader handles.
    public let kind: Kind
    public var name: String { kind.rawValue }
    public var rules: [RuleDescriptor] { [CompressedBombRule.descriptor, CompressedMalformedRule.descriptor] }

    /// Creates the reader for `kind`.
    public init(_ kind: Kind) { self.kind = kind }

    public func claim(_ artifact: Artifact) -> FormatClaim? {
        let head = artifact.head
        switch kind {
        case .gzip: if artifact.starts(with: [0x1F, 0x8B]) { return FormatClaim(.magic, "gzip signature") }
        case .bzip2: if artifact.starts(with: Array("BZh".utf8)) { return FormatClaim(.magic, "bzip2 signature") }
        case .xz: if artifact.starts(with: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00]) { return FormatClaim(.magic, "xz signature") }
        case .lzma: if artifact.starts(with: [0x5D, 0x00, 0x00]) { return FormatClaim(.magic, "lzma-alone header") }
        case .zlib:
            // Deflate with a 32 KiB window and no preset dictionary, which leaves exactly the four
            // flag bytes zlib writes (levels 0-3). Text such as `x = 1` has a valid header checksum
            // but asks for a dictionary, so it is not taken for a stream.
            if head.count >= 3, head[0] == 0x78, [0x01, 0x5E, 0x9C, 0xDA].contains(head[1]) {
                return FormatClaim(.magic, "zlib header")
            }
        }
        return nil
    }

    public func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession) {
        guard session.canOpen(artifact, as: name) else { return }
        do {
            let limit = min(session.budget.remaining, session.limits.maxInMemoryMember)
            let inflated: ByteSource
            switch kind {
            case .xz: inflated = try StreamDecompressor.decompress(artifact.source, format: .xz, limit: limit)
            case .lzma: inflated = try StreamDecompressor.decompress(artifact.source, format: .lzmaAlone, limit: limit)
            case .bzip2: inflated = try StreamDecompressor.decompress(artifact.source, format: .bzip2, limit: limit)
            case .gzip: inflated = try Inflater.inflate(artifact.source, format: .gzip, limit: limit)
            case .zlib: inflated = try Inflater.inflate(artifact.source, format: .zlib, limit: limit)
            }
            try session.budget.charge(inflated.count)
            session.cover(artifact, name, .scanned)
            session.scanMember(inflated, at: artifact.location.member("<\(name)>"), name: Self.innerName(artifact.name), of: artifact)
        } catch where error.isLimitExceeded {
            session.report(CompressedBombRule.descriptor, "\(name) stream expands beyond the decompression budget: \(error)", at: artifact.location)
            session.cover(artifact, name, .partial, reason: "decompression stopped at the budget")
        } catch {
            session.report(CompressedMalformedRule.descriptor, "\(name) stream could not be decompressed: \(error)", at: artifact.location)
            session.cover(artifact, name, .unscanned, reason: "corrupt compressed stream")
        }
    }

    /// The name the decompressed content goes by: `model.pkl.gz` holds `model.pkl`, `x.tgz` holds `x.tar`.
    static func innerName(_ name: String) -> String {
        var inner = name
        for suffix in [".gz", ".xz", ".bz2", ".lzma", ".tgz"] where inner.hasSuffix(suffix) { inner = String(inner.dropLast(suffix.count)) }
        if name.hasSuffix(".tgz") { inner += ".tar" }
        return inner
    }
}

/// Containers and streams ModelVet recognises but cannot open: reported unscanned, never silent.
public struct UnopenableFormat: FormatPlugin {
    public let name: String
    let magic: [UInt8]
    let severity: Severity
    let reason: String
    public var rules: [RuleDescriptor] { [UnscannedContentRule.descriptor] }

    /// Formats this build recognises and cannot open.
    public static let all = [
        UnopenableFormat(name: "lz4", magic: [0x04, 0x22, 0x4D, 0x18], severity: .medium,
                         reason: "lz4-compressed data cannot be decompressed by this build; its contents (possibly a pickle) were not examined"),
        UnopenableFormat(name: "zstd", magic: [0x28, 0xB5, 0x2F, 0xFD], severity: .medium,
                         reason: "zstd-compressed data cannot be decompressed by this build; its contents (possibly a pickle) were not examined"),
        UnopenableFormat(name: "7z", magic: [0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], severity: .high,
                         reason: "7z archives cannot be opened by this build; their members were not examined"),
        UnopenableFormat(name: "rar", magic: Array("Rar!\u{1A}\u{07}".utf8), severity: .high,
                         reason: "rar archives cannot be opened by this build; their members were not examined"),
    ]

    public func claim(_ artifact: Artifact) -> FormatClaim? {
        artifact.starts(with: magic) ? FormatClaim(.magic, "\(name) signature") : nil
    }

    public func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession) {
        session.cover(artifact, name, .unscanned, reason: reason)
        session.report(UnscannedContentRule.descriptor, reason, at: artifact.location, severity: severity)
    }
}

/// Text no other reader claims (model cards, licences, vocabularies): recorded as scanned.
public struct PlainTextFormat: FormatPlugin {
    public let name = "text"
    public var rules: [RuleDescriptor] { [] }
    public var isFallback: Bool { true }

    public init() {}

    public func claim(_ artifact: Artifact) -> FormatClaim? {
        artifact.isText ? FormatClaim(.structure, "UTF-8 text") : nil
    }

    public func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession) {
        session.cover(artifact, name, .scanned)
    }
}

/// Binary content no reader claims: reported unscanned, at low severity since no loader ModelVet
/// knows of would execute it.
public struct UnknownContentFormat: FormatPlugin {
    public let name = "unknown"
    public var rules: [RuleDescriptor] { [UnscannedContentRule.descriptor] }
    public var isFallback: Bool { true }

    public init() {}

    public func claim(_ artifact: Artifact) -> FormatClaim? {
        artifact.isText ? nil : FormatClaim(.structure, "no reader recognises it")
    }

    public func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession) {
        let reason = "content of unknown type"
        session.cover(artifact, name, .unscanned, reason: reason)
        session.report(UnscannedContentRule.descriptor, reason, at: artifact.location, severity: .low)
    }
}
