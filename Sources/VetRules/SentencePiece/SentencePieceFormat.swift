import VetBytes
import VetCore
import VetGraphs

/// SentencePiece tokenizer models, the `tokenizer.model` beside Llama, Gemma, T5 and Mistral
/// weights. They carry no code; the reading recognises them by their protobuf shape (they have
/// no signature, and their name, `.model`, is shared with pickles) so that they are accounted
/// for rather than left as unknown content, and records a partial reading when a nested message
/// does not parse.
public struct SentencePieceFormat: FormatPlugin {
    public let name = "sentencepiece"
    public var rules: [RuleDescriptor] { [] }

    public init() {}

    public func claim(_ artifact: Artifact) -> FormatClaim? {
        guard !artifact.isText, SentencePieceModel.looksLike(artifact.source) else { return nil }
        return FormatClaim(.structure, "a SentencePiece ModelProto")
    }

    public func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession) {
        let model = SentencePieceModel.parse(artifact.source)
        session.cover(artifact, name, partialReasons: model.errors.map { "not a well-formed protobuf: \($0)" })
    }
}
