import VetFormats

/// Finds the checkpoint ops that belong to a graph's standard saver, so they are not reported.
///
/// Every real SavedModel saves and restores its variables with `SaveV2`/`RestoreV2`: TF1 puts them
/// in the name scope of the `SaverDef` (`save/…`), TF2 in the `__inference__traced_save_*` and
/// `__inference__traced_restore_*` functions called by the nodes the `SaverDef` names. The loader
/// itself runs them with the path of the model's own `variables/` directory. Only checkpoint ops
/// in that reach are exempt; any other op there, and checkpoint ops anywhere else (including in a
/// frozen GraphDef, which has no saver), are still reported.
struct TensorFlowSaverScope {
    /// Name scopes of TF1 savers, per meta graph.
    private var scopes: [Int: Set<String>] = [:]
    /// Functions reachable from a saver's nodes, per meta graph.
    private var functions: [Int: Set<String>] = [:]

    /// Maximum number of functions followed, so cyclic or huge call graphs stay cheap.
    static let maxFunctions = 100_000

    init(_ graph: TensorFlowGraph) {
        let library = Set(graph.functions)
        var bodies: [String: [TensorFlowNode]] = [:]
        for node in graph.nodes {
            if let function = node.function { bodies[function, default: []].append(node) }
        }
        for saver in graph.savers {
            let names = [saver.saveTensorName, saver.restoreOpName].map(Self.nodeName)
            var scopeSet = scopes[saver.metaGraph] ?? []
            for name in names + [Self.nodeName(saver.filenameTensorName)] {
                if let slash = name.firstIndex(of: "/") { scopeSet.insert(String(name[..<slash])) }
            }
            scopes[saver.metaGraph] = scopeSet
            var queue: [String] = []
            for node in graph.nodes where node.function == nil && node.metaGraph == saver.metaGraph {
                if names.contains(node.name) || scopeSet.contains(where: { node.name.hasPrefix($0 + "/") }) {
                    queue += Self.callees(of: node, library: library)
                }
            }
            var reached = functions[saver.metaGraph] ?? []
            while let next = queue.popLast(), reached.count < Self.maxFunctions {
                guard reached.insert(next).inserted else { continue }
                for node in bodies[next] ?? [] { queue += Self.callees(of: node, library: library) }
            }
            functions[saver.metaGraph] = reached
        }
    }

    /// Whether `node` is a checkpoint op of a standard saver.
    func isSaverCheckpointOp(_ node: TensorFlowNode) -> Bool {
        guard TensorFlowOpCatalog.checkpointOps.contains(node.op) else { return false }
        if let function = node.function { return functions[node.metaGraph]?.contains(function) ?? false }
        return (scopes[node.metaGraph] ?? []).contains { node.name.hasPrefix($0 + "/") }
    }

    static func nodeName(_ tensorName: String) -> String {
        let trimmed = tensorName.hasPrefix("^") ? String(tensorName.dropFirst()) : tensorName
        guard let colon = trimmed.lastIndex(of: ":") else { return trimmed }
        return String(trimmed[..<colon])
    }

    static func callees(of node: TensorFlowNode, library: Set<String>) -> [String] {
        node.calledFunctions + (library.contains(node.op) ? [node.op] : [])
    }
}
