import VetBytes
import VetCore
import VetSafeTensors

/// safetensors: header checks; bytes outside every tensor are scanned as content of their own.
public struct SafeTensorsFormat: FormatPlugin {
    public let name = "safetensors"
    public var rules: [RuleDescriptor] { SafeTensorsRules.rules }

    public init() {}

    public func claim(_ artifact: Artifact) -> FormatClaim? {
        if SafeTensorsFile.sniff(artifact.source) { return FormatClaim(.structure, "header length followed by a JSON object") }
        // A length that lies about the size still counts when the name agrees, so the lie is
        // reported rather than the file being called unknown.
        if artifact.head.count > 8, artifact.head[8] == UInt8(ascii: "{"), artifact.named([".safetensors"]) {
            return FormatClaim(.name, "named .safetensors with a JSON header")
        }
        return nil
    }

    public func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession) {
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile.parse(artifact.source) } catch {
            session.report(SafeTensorsHeaderRule.descriptor, "file is shorter than the 8-byte header length", at: artifact.location)
            return session.cover(artifact, "safetensors", .partial, reason: "truncated header")
        }
        SafeTensorsRules.check(file, at: artifact.location, into: &session.sink)
        session.cover(artifact, "safetensors", .scanned)
        HiddenBytes.scan(file.unaccountedRanges, of: artifact, session: session)
    }
}

/// Bytes a tensor container's header does not account for are scanned as content of their own:
/// they are where payloads and polyglots hide.
enum HiddenBytes {
    static func scan(_ ranges: [Range<Int>], of artifact: Artifact, session: ScanSession) {
        for range in ranges {
            session.scanMember(artifact.source.clampedSlice(range),
                               at: artifact.location.member("<unaccounted@0x\(String(range.lowerBound, radix: 16))>"),
                               name: "", of: artifact)
        }
    }
}
