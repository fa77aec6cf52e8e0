import Foundation
import VetJinja

extension JinjaRenderer {
    /// The global functions templates use; everything else (`cycler`, `joiner`, `lipsum`, `self`,
    /// `config`, …) is undefined in the sandbox.
    func builtin(_ name: String, _ args: [JinjaValue], _ keywords: [(String, JinjaValue)], at position: JinjaPosition) throws -> JinjaValue {
        switch name {
        case "range":
            return try shared(position) { () throws(JinjaEvaluationError) in try JinjaOperations.range(args) }
        case "namespace":
            var initial: [(String, JinjaValue)] = []
            if case let .dict(d)? = args.first { initial = d.map { ($0.0.text, $0.1) } }
            namespaces.append(initial + keywords)
            return .namespace(namespaces.count - 1)
        case "dict": return JinjaOperations.dict(keywords)
        case "raise_exception":
            throw fail(position, "the template raised an error: " + (args.first?.text ?? ""))
        case "strftime_now":
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.dateFormat = Self.dateFormat(args.first?.text ?? "%Y-%m-%d")
            return .string(formatter.string(from: Date()))
        default:
            throw fail(position, "`\(name)` is not defined in the chat template sandbox")
        }
    }

    /// Translates the strftime directives templates use into a DateFormatter pattern.
    static func dateFormat(_ strftime: String) -> String {
        var out = ""
        var chars = strftime.makeIterator()
        while let c = chars.next() {
            guard c == "%" else { out += c == "'" ? "''" : (c.isLetter ? "'\(c)'" : String(c)); continue }
            switch chars.next() {
            case "Y": out += "yyyy"
            case "m": out += "MM"
            case "d": out += "dd"
            case "B": out += "MMMM"
            case "b": out += "MMM"
            case "H": out += "HH"
            case "M": out += "mm"
            case "S": out += "ss"
            case "A": out += "EEEE"
            case "a": out += "EEE"
            case "p": out += "a"
            case let other?: out += String(other)
            case nil: break
            }
        }
        return out
    }

    func applyFilter(_ f: JinjaFilterCall, to value: JinjaValue) throws -> JinjaValue {
        let (args, keywords) = try evaluate(f.arguments)
        return try shared(f.position) { () throws(JinjaEvaluationError) in try JinjaOperations.filter(f.name, value, args, keywords) }
    }

    func applyTest(_ t: JinjaFilterCall, to value: JinjaValue) throws -> Bool {
        let (args, _) = try evaluate(t.arguments)
        return try shared(t.position) { () throws(JinjaEvaluationError) in try JinjaOperations.test(t.name, value, args) }
    }

    /// Runs a shared operation, giving its error the template position.
    func shared<T>(_ position: JinjaPosition, _ body: () throws(JinjaEvaluationError) -> T) throws -> T {
        do { return try body() } catch { throw fail(position, error.message) }
    }
}
