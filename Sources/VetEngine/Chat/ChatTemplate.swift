import Foundation
import VetJinja

/// One chat message.
public struct ChatMessage: Sendable, Equatable {
    public var role: String
    public var content: String
    /// Creates a message.
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// A chat template parsed by the project's Jinja parser and rendered in a sandbox: values are
/// plain data, attribute access reaches only dictionary keys and a fixed list of string, list and
/// dict methods, dunder names are refused, and loops, recursion and output are bounded.
public struct ChatTemplate: Sendable {
    public let source: String
    let template: JinjaTemplate

    /// Parses `source`.
    /// - Throws: `EngineError(.template)` with the line and column of a syntax error.
    public init(_ source: String) throws {
        self.source = source
        do {
            template = try JinjaTemplate.parse(source)
        } catch {
            throw EngineError(.template, "the chat template does not parse: line \(error.position): \(error.message)")
        }
    }

    /// Renders the conversation.
    /// - Parameters:
    ///   - messages: the conversation so far.
    ///   - addGenerationPrompt: end with the header that makes the model answer as the assistant.
    ///   - bosToken, eosToken: the texts templates refer to as `bos_token` and `eos_token`.
    /// - Throws: `EngineError(.template)` when rendering fails or exceeds the sandbox's limits.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool, bosToken: String = "", eosToken: String = "",
                       extra: [String: JinjaValue] = [:]) throws -> String {
        var context: [String: JinjaValue] = [
            "messages": .list(messages.map { .dict([(.string("role"), .string($0.role)), (.string("content"), .string($0.content))]) }),
            "add_generation_prompt": .bool(addGenerationPrompt),
            "bos_token": .string(bosToken), "eos_token": .string(eosToken),
        ]
        for (k, v) in extra { context[k] = v }
        let renderer = JinjaRenderer(context: context)
        do {
            try renderer.render(template.body)
        } catch let error as JinjaRenderError {
            throw EngineError(.template, "the chat template failed to render: line \(error.position.line), column \(error.position.column): \(error.message)")
        } catch is JinjaRenderer.LoopControl {
            // The parser rejects break/continue outside a loop; this only guards the renderer.
            throw EngineError(.template, "the chat template failed to render: break or continue outside a loop")
        } catch {
            throw EngineError(.template, "the chat template failed to render: \(error)")
        }
        return renderer.output
    }
}

struct JinjaRenderError: Error {
    var position: JinjaPosition
    var message: String
}

/// Walks a template's nodes and evaluates its expressions over `JinjaValue`s.
final class JinjaRenderer {
    var scopes: [[String: JinjaValue]]
    var output = ""
    var namespaces: [[(String, JinjaValue)]] = []
    var macros: [JinjaMacro] = []
    var steps = 0
    var depth = 0
    static let maxSteps = 2_000_000
    static let maxOutput = 4 << 20
    static let maxDepth = 64

    enum LoopControl: Error { case breakLoop, continueLoop }

    init(context: [String: JinjaValue]) { scopes = [context] }

    func fail(_ position: JinjaPosition, _ message: String) -> JinjaRenderError { JinjaRenderError(position: position, message: message) }

    func tick(_ position: JinjaPosition) throws {
        steps += 1
        if steps > Self.maxSteps { throw fail(position, "the template runs too long (over \(Self.maxSteps) steps)") }
        if output.utf8.count > Self.maxOutput { throw fail(position, "the template's output exceeds \(Self.maxOutput >> 20) MiB") }
    }

    func lookup(_ name: String) -> JinjaValue {
        for scope in scopes.reversed() { if let v = scope[name] { return v } }
        return .undefined
    }

    func assign(_ name: String, _ value: JinjaValue) { scopes[scopes.count - 1][name] = value }

    func render(_ nodes: [JinjaNode]) throws {
        for node in nodes { try render(node) }
    }

    func render(_ node: JinjaNode) throws {
        try tick(node.position)
        switch node.kind {
        case let .text(t), let .raw(t): output += t
        case .comment: break
        case let .output(e), let .printExpression(e): output += try eval(e).text
        case let .ifBlock(branches, otherwise):
            for branch in branches where try eval(branch.condition).truthy { return try render(branch.body) }
            if let otherwise { try render(otherwise) }
        case let .forLoop(loop): try renderLoop(loop, at: node.position)
        case let .set(target, value): try bind(target, try eval(value))
        case let .setBlock(target, filters, body):
            try bind(target, try capture(body, filters))
        case let .macro(m):
            macros.append(m)
            assign(m.name, .macro(macros.count - 1))
        case let .filterBlock(filters, body):
            // Captured first: `capture` itself swaps `output`.
            let text = try capture(body, filters).text
            output += text
        case let .with(assignments, body):
            scopes.append([:])
            defer { scopes.removeLast() }
            for a in assignments { try bind(a.target, try eval(a.value)) }
            try render(body)
        case let .generation(body): try render(body)
        case let .doExpression(e): _ = try eval(e)
        case .breakLoop: throw LoopControl.breakLoop
        case .continueLoop: throw LoopControl.continueLoop
        case .include, .importTemplate, .fromImport, .extends, .block, .callBlock, .autoescape:
            throw fail(node.position, "this statement is not allowed in a chat template sandbox")
        }
    }

    /// Renders `body` into a string of its own and applies `filters` to it.
    func capture(_ body: [JinjaNode], _ filters: [JinjaFilterCall]) throws -> JinjaValue {
        let saved = output
        output = ""
        defer { output = saved }
        try render(body)
        var value = JinjaValue.string(output)
        for f in filters { value = try applyFilter(f, to: value) }
        return value
    }

    func renderLoop(_ loop: JinjaForLoop, at position: JinjaPosition) throws {
        let iterable = try eval(loop.iterable)
        var items: [JinjaValue]
        switch iterable {
        case let .list(l): items = l
        case let .dict(d): items = d.map(\.0)
        case let .string(s): items = s.map { .string(String($0)) }
        case .undefined, .none: items = []
        default: throw fail(position, "cannot iterate over a \(iterable.typeName)")
        }
        if let filter = loop.filter {
            var kept: [JinjaValue] = []
            for item in items {
                scopes.append([:])
                try bind(loop.target, item)
                let keep = try eval(filter).truthy
                scopes.removeLast()
                if keep { kept.append(item) }
            }
            items = kept
        }
        if items.isEmpty {
            if let otherwise = loop.otherwise { try render(otherwise) }
            return
        }
        scopes.append([:])
        defer { scopes.removeLast() }
        for (i, item) in items.enumerated() {
            try tick(position)
            try bind(loop.target, item)
            let loopFields: [(String, JinjaValue)] = [
                ("index", .int(i + 1)), ("index0", .int(i)), ("first", .bool(i == 0)), ("last", .bool(i == items.count - 1)),
                ("length", .int(items.count)), ("revindex", .int(items.count - i)), ("revindex0", .int(items.count - i - 1)),
                ("previtem", i > 0 ? items[i - 1] : .undefined), ("nextitem", i + 1 < items.count ? items[i + 1] : .undefined),
            ]
            assign("loop", .dict(loopFields.map { (.string($0.0), $0.1) }))
            do {
                try render(loop.body)
            } catch LoopControl.breakLoop {
                break
            } catch LoopControl.continueLoop {
                continue
            }
        }
    }

    /// Assigns to a name, a tuple of names, or `namespace.attribute`.
    func bind(_ target: JinjaExpression, _ value: JinjaValue) throws {
        switch target.kind {
        case let .name(n): assign(n, value)
        case let .tuple(names), let .list(names):
            guard case let .list(values) = value, values.count == names.count else {
                throw fail(target.position, "cannot unpack \(value.typeName) into \(names.count) names")
            }
            for (n, v) in zip(names, values) { try bind(n, v) }
        case let .attribute(base, name):
            guard case let .namespace(index) = try eval(base) else {
                throw fail(target.position, "only namespace attributes can be assigned")
            }
            try checkName(name, at: target.position)
            if let i = namespaces[index].firstIndex(where: { $0.0 == name }) { namespaces[index][i].1 = value } else { namespaces[index].append((name, value)) }
        default: throw fail(target.position, "cannot assign to this expression")
        }
    }

    /// Attributes and keys starting with `_` are refused (see `JinjaOperations.checkName`).
    func checkName(_ name: String, at position: JinjaPosition) throws {
        try shared(position) { () throws(JinjaEvaluationError) in try JinjaOperations.checkName(name) }
    }
}
