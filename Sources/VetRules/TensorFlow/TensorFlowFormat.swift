import VetBytes
import VetCore
import VetGraphs

/// TensorFlow SavedModels, GraphDefs and MetaGraphDefs.
///
/// They are protobufs without a signature, and a byte string can parse as several of them
/// (protobuf keeps fields of the wrong wire type as unknown ones instead of failing). The
/// readings follow the loaders: `tf.saved_model.load` reads a file named `saved_model.pb` as a
/// SavedModel whatever its shape, GraphDef loaders read the `.pb` they are given as a GraphDef,
/// `import_meta_graph` reads `.meta` files as a MetaGraphDef; content shaped like one of them is
/// read that way too. When the name and the shape disagree, or no shape fits a `.pb`, both
/// SavedModel and GraphDef readings are analysed and their findings reported together.
public struct TensorFlowFormat: FormatPlugin {
    public let name = "tensorflow"
    public var rules: [RuleDescriptor] { TensorFlowRules.all }

    public init() {}

    /// The readings a loader could apply to `artifact`.
    static func readings(of artifact: Artifact) -> [TensorFlowGraph.Kind] {
        guard !artifact.isText else { return [] }
        let savedModelShape = TensorFlowGraph.looksLikeSavedModel(artifact.source)
        let graphDefShape = TensorFlowGraph.looksLikeGraphDef(artifact.source)
        var kinds: [TensorFlowGraph.Kind] = []
        if artifact.baseName == "saved_model.pb" || savedModelShape { kinds.append(.savedModel) }
        if graphDefShape { kinds.append(.graphDef) }
        if artifact.named([".meta"]) || (!savedModelShape && TensorFlowGraph.looksLikeMetaGraph(artifact.source)) {
            kinds.append(.metaGraph)
        }
        if artifact.named([".pb"]) && !savedModelShape && !graphDefShape {
            for kind in [TensorFlowGraph.Kind.savedModel, .graphDef] where !kinds.contains(kind) { kinds.append(kind) }
        }
        return kinds
    }

    public func claim(_ artifact: Artifact) -> FormatClaim? {
        let kinds = Self.readings(of: artifact)
        guard !kinds.isEmpty else { return nil }
        return FormatClaim(artifact.named([".pb", ".meta"]) ? .name : .structure, kinds.map(\.rawValue).joined(separator: " and "))
    }

    public func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession) {
        for kind in Self.readings(of: artifact) {
            let graph = TensorFlowGraph.parse(artifact.source, as: kind, limits: ProtobufLimits(session.limits))
            TensorFlowRules.check(graph, at: artifact.location, into: &session.sink)
            session.cover(artifact, "tensorflow-" + kind.rawValue.lowercased(), .scanned)
        }
    }
}
