import VetBytes
import VetCore
import VetGraphs

/// TFLite flatbuffers: custom operators (Flex ops mapped through the TensorFlow op catalogue).
public struct TFLiteFormat: FormatPlugin {
    public let name = "tflite"
    public var rules: [RuleDescriptor] { TFLiteRules.all }

    public init() {}

    public func claim(_ artifact: Artifact) -> FormatClaim? {
        if artifact.starts(with: Array("TFL3".utf8), at: 4) { return FormatClaim(.magic, "TFL3 identifier") }
        if !artifact.isText, artifact.named([".tflite"]) { return FormatClaim(.name, "named .tflite") }
        return nil
    }

    public func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession) {
        let model = TFLiteModel.parse(artifact.source, maxElements: TFLiteRules.maxElements(session.limits))
        TFLiteRules.check(model, at: artifact.location, into: &session.sink)
        session.cover(artifact, "tflite", .scanned)
    }
}
