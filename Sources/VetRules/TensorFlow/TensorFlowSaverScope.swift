import VetGraphs

/// Finds the checkpoint ops that belong to a graph's standard saver, so they are not reported.
///
/// Every real TensorFlow model saves and restores its variables with `SaveV2`/`RestoreV2`: TF1 puts
/// them in a saver's name scope (`save/…`, `save_1/…`), TF2 in the `__inference__traced_save_*`
/// and `__inference__traced_restore_*` functions called by the nodes a `SaverDef` names. A TF1
/// checkpoint op is exempt only when its scope is a saver's and its path input flows from that
/// saver's filename tensor (directly, or through the `StringJoin`/`ShardedFilename` chain of a
/// sharded saver), which the loader feeds with the model's own `variables/` path. A GraphDef has no
/// `SaverDef`; there the saver is recognised by the structure `tf.compat.v1.train.Saver` writes,
/// and its default filename must be a plain relative name. Any other op in the scope, and any
/// checkpoint op whose path comes from elsewhere (a constant `/home/u/.bashrc`), is reported.
struct TensorFlowSaverScope {
    /// Per meta graph: saver scope → the node holding the saver's filename.
    private var scopes: [Int: [String: String]] = [:]
    /// Functions reachable from a saver's nodes, per meta graph.
    private var functions: [Int: Set<String>] = [:]
    /// Graph-level nodes by name, per meta graph.
    private var nodes: [Int: [String: TensorFlowNode]] = [:]

    /// Maximum number of functions followed, so cyclic or huge call graphs stay cheap.
    static let maxFunctions = 100_000
    /// Longest path-input chain followed.
    static let maxChain = 8

    init(_ graph: TensorFlowGraph) {
        let library = Set(graph.functions)
        var bodies: [String: [TensorFlowNode]] = [:]
        for node in graph.nodes {
            if let function = node.function {
                bodies[function, default: []].append(node)
            } else {
                nodes[node.metaGraph, default: [:]][node.name] = node
            }
        }
        var savers = graph.savers
        if savers.isEmpty { savers = Self.implicitSavers(nodes[0] ?? [:]) }
        for saver in savers {
            let filename = Self.nodeName(saver.filenameTensorName)
            if let slash = filename.firstIndex(of: "/") {
                scopes[saver.metaGraph, default: [:]][String(filename[..<slash])] = filename
            }
            let names = [saver.saveTensorName, saver.restoreOpName].map(Self.nodeName)
            let scope = scopes[saver.metaGraph] ?? [:]
            var queue: [String] = []
            for node in (nodes[saver.metaGraph] ?? [:]).values {
                if names.contains(node.name) || scope.keys.contains(where: { node.name.hasPrefix($0 + "/") }) {
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
        guard let slash = node.name.firstIndex(of: "/") else { return false }
        let scope = String(node.name[..<slash])
        guard let filename = scopes[node.metaGraph]?[scope] else { return false }
        // MergeV2Checkpoints(checkpoint_prefixes, destination_prefix); the others take the path first.
        let pathInput = node.op == "MergeV2Checkpoints" ? 1 : 0
        guard pathInput < node.inputs.count else { return false }
        return flows(node.inputs[pathInput], from: filename, scope: scope, metaGraph: node.metaGraph, depth: 0)
    }

    /// Whether `input` is the filename tensor, or derived from it inside the saver's scope.
    private func flows(_ input: String, from filename: String, scope: String, metaGraph: Int, depth: Int) -> Bool {
        let name = Self.nodeName(input)
        if name == filename { return true }
        guard depth < Self.maxChain, name.hasPrefix(scope + "/"), let node = nodes[metaGraph]?[name] else { return false }
        let recurse = { (next: String) in flows(next, from: filename, scope: scope, metaGraph: metaGraph, depth: depth + 1) }
        switch node.op {
        case "Identity", "ShardedFilename":
            return node.inputs.first.map(recurse) ?? false
        case "StringJoin":
            // The sharded saver's `<filename>` + `_temp/part` (a constant, or a Select between two).
            guard node.inputs.contains(where: recurse) else { return false }
            return node.inputs.allSatisfy { other in
                let otherName = Self.nodeName(other)
                guard otherName.hasPrefix(scope + "/"), let part = nodes[metaGraph]?[otherName] else { return false }
                return otherName == filename || recurse(other) || part.op == "Const" || part.op == "Select"
            }
        default:
            return false
        }
    }

    /// The savers `tf.compat.v1.train.Saver` leaves in a GraphDef: scopes `save` or `save_N` whose
    /// `Const` is the filename (a `PlaceholderWithDefault` of `filename`, itself defaulting to the
    /// constant `filename/input`, or in older graphs a constant) with a plain relative default.
    static func implicitSavers(_ nodes: [String: TensorFlowNode]) -> [TensorFlowSaver] {
        var scopes = Set<String>()
        for name in nodes.keys {
            guard let slash = name.firstIndex(of: "/") else { continue }
            let scope = name[..<slash]
            let suffix = scope.dropFirst("save".count)
            if scope.hasPrefix("save"), suffix.isEmpty || (suffix.first == "_" && suffix.dropFirst().allSatisfy(\.isNumber) && suffix.count > 1) {
                scopes.insert(String(scope))
            }
        }
        return scopes.sorted().compactMap { scope in
            guard let filename = nodes[scope + "/Const"], hasRelativeDefault(filename, scope: scope, nodes) else { return nil }
            return TensorFlowSaver(metaGraph: 0, filenameTensorName: filename.name + ":0", saveTensorName: "", restoreOpName: "")
        }
    }

    private static func hasRelativeDefault(_ node: TensorFlowNode, scope: String, _ nodes: [String: TensorFlowNode],
                                           depth: Int = 0) -> Bool {
        guard depth < maxChain else { return false }
        switch node.op {
        case "Const":
            guard let values = node.stringAttributes["value"], !values.isEmpty else { return false }
            return values.allSatisfy(isPlainRelativeName)
        case "PlaceholderWithDefault":
            guard let input = node.inputs.first, let source = nodes[nodeName(input)], source.name.hasPrefix(scope + "/") else { return false }
            return hasRelativeDefault(source, scope: scope, nodes, depth: depth + 1)
        default:
            return false
        }
    }

    /// A file name with no directory, parent, drive, scheme or home reference (TF writes `model`).
    static func isPlainRelativeName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("/") && !name.contains("\\") && !name.contains("..") && !name.contains(":")
            && !name.hasPrefix("~") && !name.utf8.contains(0)
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
