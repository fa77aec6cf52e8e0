import VetCore
import VetGraphs

/// An asset file name that leaves the SavedModel's `assets/` directory.
public enum TensorFlowAssetPathRule {
    /// Ops that read an asset file handed to them by the loader (vocabulary tables).
    public static let assetReaderOps: Set<String> = ["InitializeTableFromTextFile", "InitializeTableFromTextFileV2"]

    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "tensorflow_asset_path_traversal", severity: .high,
        title: "TensorFlow SavedModel asset path leaves the model directory",
        description: """
        A SavedModel lists its asset files (vocabularies, lookup tables) in `asset_file_def`, and the loader \
        joins each `filename` to the model's `assets/` directory before feeding the path to the graph. This \
        name is absolute, climbs with `..`, names a drive or a URL, or uses backslashes, so loading the model \
        makes the graph read a file chosen by the model's author, such as credentials, into a lookup table \
        whose contents the model can then return.
        """,
        remediation: "Do not load the model. Asset files must be plain names inside `assets/`.",
        references: ["https://www.tensorflow.org/guide/saved_model", "CWE-22"],
        examples: [
            RuleExample("an asset named ../../../../etc/passwd", fileName: "saved_model.pb", triggers: true) {
                TensorFlowExample.savedModel(TensorFlowExample.graphDef([TensorFlowExample.Node("x", "Placeholder")]),
                                             assets: ["../../../../etc/passwd"])
            },
            RuleExample("a vocabulary asset read by a lookup table", fileName: "saved_model.pb", triggers: false) {
                TensorFlowExample.savedModel(TensorFlowExample.graphDef([
                    TensorFlowExample.Node("table_init", "InitializeTableFromTextFileV2"),
                ]), assets: ["vocab.txt"])
            },
        ])
}

extension TensorFlowRules {
    /// Reports asset file names that escape `assets/`.
    static func checkAssets(_ graph: TensorFlowGraph, at location: Location, into sink: inout FindingSink) {
        for asset in graph.assets {
            guard let reason = ONNXExternalDataTraversalRule.escapeReason(asset.filename) else { continue }
            sink.report(TensorFlowAssetPathRule.descriptor,
                        "asset `\(asset.filename)` of meta graph \(asset.metaGraph) \(reason)",
                        at: location.at(asset.offset), evidence: asset.filename)
        }
    }

    /// Whether `node` reads an asset the loader hands it: a vocabulary-table op in a meta graph that
    /// declares assets. Such reads are reported at low severity instead of the file-read rule's.
    static func readsDeclaredAsset(_ node: TensorFlowNode, in graph: TensorFlowGraph) -> Bool {
        TensorFlowAssetPathRule.assetReaderOps.contains(node.op) && graph.assets.contains { $0.metaGraph == node.metaGraph }
    }
}
