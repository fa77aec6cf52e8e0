import VetBytes
import Yams

/// YAML configs read with Yams (libyaml), as the same tree as JSON configs so one set of checks
/// serves both: mappings become objects (keys as their scalar text), sequences arrays, scalars
/// strings.
public enum YAMLConfig {
    /// Why a YAML document could not be read.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// What went wrong.
        public var message: String
        /// Whether the document was refused for nesting or size beyond the limits.
        public var overLimit: Bool
        public var description: String { message }
    }

    /// Parses every document in `text`.
    /// - Parameters:
    ///   - maxDepth: deepest nesting accepted; checked on the text before parsing, so the parser's
    ///     recursion stays bounded whatever the file holds.
    ///   - maxNodes: most nodes visited after aliases are expanded (a billion-laughs document
    ///     references one anchor many times).
    /// - Throws: `Failure` for invalid YAML (including duplicate keys, which Yams rejects and
    ///   PyYAML resolves last-wins) or a document over the limits.
    public static func parse(_ text: String, maxDepth: Int, maxNodes: Int = 1_000_000) throws(Failure) -> [JSONValue] {
        let depth = nestingBound(text)
        guard depth <= maxDepth else {
            throw Failure(message: "nests up to \(depth) levels, more than the \(maxDepth) ModelVet follows", overLimit: true)
        }
        var documents: [JSONValue] = []
        var budget = maxNodes
        do {
            // The parser's own loop, not `compose_all`'s sequence: that sequence ends quietly at a syntax
            // error (keeping it in a property), which would make a broken document read as an empty one.
            let parser = try Yams.Parser(yaml: text)
            while let node = try parser.nextRoot() {
                documents.append(try convert(node, budget: &budget))
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(message: "\(error)".split(separator: "\n").first.map(String.init) ?? "invalid YAML", overLimit: false)
        }
        return documents
    }

    /// An upper bound on a document's nesting that needs no parse: block nesting needs a new,
    /// larger indentation per level (so it is at most the number of distinct indentations), flow
    /// nesting one bracket per level.
    public static func nestingBound(_ text: String) -> Int {
        var indentations = Set<Int>()
        var flow = 0, maxFlow = 0
        var atLineStart = true, indent = 0
        var quote: UInt8?
        for byte in text.utf8 {
            if atLineStart {
                if byte == 0x20 { indent += 1; continue }
                if byte != 0x0A { indentations.insert(indent) }
                atLineStart = false
            }
            switch byte {
            case 0x0A: atLineStart = true; indent = 0; if quote == UInt8(ascii: "#") { quote = nil }
            case UInt8(ascii: "\""), UInt8(ascii: "'"):
                if quote == nil { quote = byte } else if quote == byte { quote = nil }
            case UInt8(ascii: "#") where quote == nil: quote = byte
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                if quote == nil { flow += 1; maxFlow = max(maxFlow, flow) }
            case UInt8(ascii: "]"), UInt8(ascii: "}"):
                if quote == nil { flow = max(0, flow - 1) }
            default: break
            }
        }
        return indentations.count + maxFlow
    }

    /// The node as a JSON-shaped value, with aliases followed within the node budget.
    static func convert(_ root: Node, budget: inout Int) throws(Failure) -> JSONValue {
        budget -= 1
        guard budget >= 0 else { throw Failure(message: "expands to more nodes than ModelVet visits (aliases)", overLimit: true) }
        switch root {
        case let .scalar(scalar): return .string(scalar.string)
        case let .sequence(sequence):
            var items: [JSONValue] = []
            for item in sequence { items.append(try convert(item, budget: &budget)) }
            return .array(items)
        case let .mapping(mapping):
            var members: [JSONMember] = []
            for (key, value) in mapping {
                let name = key.scalar?.string ?? "<\(key)>"
                members.append(JSONMember(key: name, value: try convert(value, budget: &budget), offset: key.mark.map { $0.line } ?? 0))
            }
            return .object(members)
        case let .alias(alias):
            throw Failure(message: "unresolved alias \(alias)", overLimit: false)
        }
    }
}
