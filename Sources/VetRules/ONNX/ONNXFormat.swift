import VetBytes
import VetCore
import VetGraphs

/// ONNX models: a lazy protobuf walk of graphs, subgraphs and functions.
///
/// Protobuf has no signature: the claim is a top level made only of ModelProto's fields with a
/// graph, or the `.onnx` name on binary content (then the parse reports what does not fit).
public struct ONNXFormat: FormatPlugin {
    public let name = "onnx"
    public var rules: [RuleDescriptor] { ONNXRules.all }

    public init() {}

    public func claim(_ artifact: Artifact) -> FormatClaim? {
        if artifact.isText { return nil }
        if ONNXModel.looksLike(artifact.source) { return FormatClaim(.structure, "ModelProto fields with a graph") }
        if artifact.named([".onnx"]) { return FormatClaim(.name, "named .onnx") }
        return nil
    }

    public func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession) {
        ONNXRules.check(ONNXModel.parse(artifact.source, limits: ProtobufLimits(session.limits)), at: artifact.location, into: &session.sink)
        session.cover(artifact, "onnx", .scanned)
    }
}
