import VetBytes
import VetCore
import VetGraphs

/// TensorFlow SavedModels and frozen GraphDefs.
///
/// The two are protobufs without a signature, and a byte string can parse as both. The readings
/// follow the loaders: `tf.saved_model.load` reads a file named `saved_model.pb` as a SavedModel
/// whatever its shape, GraphDef loaders read the `.pb` they are given as a GraphDef; content
/// shaped like either is read that way too. When the name and the shape disagree, or neither
/// shape fits, both readings are analysed and their findings reported together.
public struct TensorFlowFormat: FormatPlugin {
    public let name = "tensorflow"
    public var rules: [RuleDescriptor] { TensorFlowRules.all }

    public init() {}

    /// The readings a loader could apply to `artifact`.
    static func readings(of artifact: Artifact) -> [TensorFlowGraph.Kind] {
        guard !artifact.isText else { return [] }
        let savedModelName = artifact.baseName == "saved_model.pb"
        let savedModelShape = TensorFlowGraph.looksLikeSavedModel(artifact.source)
        let graphDefShape = TensorFlowGraph.looksLikeGraphDef(artifact.source)
        var kinds: [TensorFlowGraph.Kind] = []
        if savedModelName || savedModelShape { kinds.append(.savedModel) }
        if graphDefShape { kinds.append(.graphDef) }
        // A `.pb` that fits neither shape (or a `saved_model.pb` that fits only a GraphDef's) is
        // read both ways: its loader is unknown, and each reading's damage is reported.
        if artifact.named([".pb"]) && !savedModelShape && !graphDefShape {
            kinds = [.savedModel, .graphDef]
        }
        return kinds
    }

    public func claim(_ artifact: Artifact) -> FormatClaim? {
        let kinds = Self.readings(of: artifact)
        guard !kinds.isEmpty else { return nil }
        return FormatClaim(artifact.named([".pb"]) ? .name : .structure, kinds.map(\.rawValue).joined(separator: " and "))
    }

    public func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession) {
        for kind in Self.readings(of: artifact) {
            let graph = TensorFlowGraph.parse(artifact.source, as: kind, limits: ProtobufLimits(session.limits))
            TensorFlowRules.check(graph, at: artifact.location, into: &session.sink)
            session.cover(artifact, kind == .savedModel ? "tensorflow-savedmodel" : "tensorflow-graphdef", .scanned)
        }
    }
}
