import VetBytes
import VetCore
import VetGGUF

/// GGUF: header, metadata and tensor checks, chat templates analysed, hidden bytes scanned.
public struct GGUFFormat: FormatPlugin {
    public let name = "gguf"
    public var rules: [RuleDescriptor] { GGUFRules.rules }

    public init() {}

    public func claim(_ artifact: Artifact) -> FormatClaim? {
        artifact.starts(with: Array("GGUF".utf8)) ? FormatClaim(.magic, "GGUF magic") : nil
    }

    public func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession) {
        let location = artifact.location
        let file = GGUFFile.parse(artifact.source, limits: GGUFFile.Limits(session.limits))
        GGUFRules.check(file, at: location, into: &session.sink)
        // `tokenizer.chat_template` and its named variants `tokenizer.chat_template.NAME`
        // (`tokenizer.chat_templates` is the list of those names). Every key that any reader could
        // take for one is analysed: llama.cpp compares keys and reads values as C strings (cut at
        // a NUL byte), exact-match readers do not, so both forms of each are checked.
        for entry in file.metadata {
            let key = GGUFFile.cString(entry.key)
            guard key == "tokenizer.chat_template" || key.hasPrefix("tokenizer.chat_template.") else { continue }
            guard let template = entry.value.string else {
                session.report(GGUFMalformedRule.descriptor, "\(Evidence.clip(entry.key)) is not a string", at: location.at(entry.offset))
                continue
            }
            let place = location.member(Evidence.clip(entry.key))
            JinjaRules.check(template, at: place, limits: session.limits, into: &session.sink)
            let cut = GGUFFile.cString(template)
            if cut != template { JinjaRules.check(cut, at: place, limits: session.limits, into: &session.sink) }
        }
        if file.headerComplete {
            session.cover(artifact, "gguf", .scanned)
        } else {
            session.cover(artifact, "gguf", .partial, reason: "header could not be read to its end")
        }
        HiddenBytes.scan(file.unaccountedRanges, of: artifact, session: session)
    }
}
