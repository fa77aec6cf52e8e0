import VetBytes
import VetCore
import VetJinja

/// Standalone Jinja templates: `chat_template.jinja` and any `*.jinja`/`*.j2`, and any other text
/// that holds Jinja delimiters next to dunder names (the shape of a sandbox escape), whatever it
/// is called: chat tools take template files by path (`--chat-template-file`), so `.template`,
/// `.j2.txt` or `.txt` templates exist. Templates inside JSON, YAML and GGUF are analysed by
/// those readers.
public struct JinjaTemplateFormat: FormatPlugin {
    /// Extensions that only Jinja templates use.
    public static let templateNames = [".jinja", ".jinja2", ".j2"]
    /// Text that is not handed to template engines: structured files whose own readers extract
    /// templates, and source code of compiled languages (C headers are full of `__` names).
    static let notTemplates = [".json", ".yaml", ".yml", ".py", ".c", ".h", ".cc", ".cpp", ".hpp", ".cu", ".cuh", ".m", ".mm",
                               ".js", ".ts", ".go", ".rs", ".java", ".kt", ".swift", ".cs", ".rb", ".php"]

    public let name = "jinja"
    public var rules: [RuleDescriptor] { JinjaRules.all }

    public init() {}

    public func claim(_ artifact: Artifact) -> FormatClaim? {
        guard artifact.isText else { return nil }
        if artifact.named(Self.templateNames) { return FormatClaim(.name, "named like a template") }
        if !artifact.named(Self.notTemplates), Self.looksLikeEscape(artifact.source) {
            return FormatClaim(.structure, "Jinja delimiters and dunder names")
        }
        return nil
    }

    public func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession) {
        let text = artifact.text
        if claim.strength == .name {
            JinjaRules.check(text, at: artifact.location, limits: session.limits, into: &session.sink)
            return session.cover(artifact, "chat-template", .scanned)
        }
        // Text that only looks like a template: analysed when it parses as one; otherwise no engine
        // could render it either, and coverage says so instead of a finding.
        do {
            _ = try JinjaTemplate.parse(text, limits: JinjaLimits(session.limits))
        } catch {
            return session.cover(artifact, "chat-template", .partial,
                                 reason: "holds Jinja delimiters and dunder names but does not parse as a template (\(error.message))")
        }
        JinjaRules.check(text, at: artifact.location, limits: session.limits, into: &session.sink)
        session.cover(artifact, "chat-template", .scanned)
    }

    /// Whether `text` has a `{{` or `{%` and, somewhere after it, a double-underscore name.
    static func looksLikeEscape(_ text: String) -> Bool {
        var copy = text
        return copy.withUTF8 { looksLikeEscape(UnsafeRawBufferPointer($0)) }
    }

    /// Whether the text has a `{{` or `{%` and, somewhere after it, a double-underscore name.
    static func looksLikeEscape(_ source: ByteSource) -> Bool {
        source.withUnsafeBytes { looksLikeEscape($0) }
    }

    private static func looksLikeEscape(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard let open = firstDelimiter(bytes) else { return false }
        var index = open
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "_"), bytes[index + 1] == UInt8(ascii: "_") { return true }
            index += 1
        }
        return false
    }

    private static func firstDelimiter(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var index = 0
        while index + 1 < bytes.count {
            if bytes[index] == UInt8(ascii: "{"), bytes[index + 1] == UInt8(ascii: "{") || bytes[index + 1] == UInt8(ascii: "%") {
                return index
            }
            index += 1
        }
        return nil
    }
}
