import VetBytes
import VetCore
import VetText

/// JSON configs (`config.json`, `tokenizer_config.json`, …), parsed as Python's `json` module
/// reads them, checked for remote code and chat templates.
public struct JSONConfigFormat: FormatPlugin {
    public let name = "json"
    public var rules: [RuleDescriptor] { [RemoteCodeRule.descriptor, ConfigUnparseableRule.descriptor] }

    public init() {}

    public func claim(_ artifact: Artifact) -> FormatClaim? {
        artifact.named([".json"]) ? FormatClaim(.name, "named .json") : nil
    }

    public func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession) {
        let json: JSONValue
        do {
            json = try JSONParser.parse(artifact.source, dialect: .python, maxDepth: session.limits.maxConfigDepth)
        } catch {
            let why = error.tooDeep ? "nests deeper than the \(session.limits.maxConfigDepth) levels ModelVet follows"
                : "is not JSON that Python's json module accepts (\(error))"
            ConfigUnparseableRule.report(artifact, format: "JSON", why: why, session: session)
            return session.cover(artifact, name, .partial, reason: error.tooDeep ? "nesting limit reached" : "could not be parsed")
        }
        ConfigChecks.check(json, at: artifact.location, session: session)
        session.cover(artifact, name, .scanned)
    }
}

/// YAML configs (training and serving configs carry `chat_template` keys at any depth), read with
/// a maintained YAML parser and checked like JSON configs.
public struct YAMLConfigFormat: FormatPlugin {
    /// libyaml refuses documents nested deeper than this.
    static let parserDepthLimit = 1000

    public let name = "yaml"
    public var rules: [RuleDescriptor] { [ConfigUnparseableRule.descriptor] }

    public init() {}

    public func claim(_ artifact: Artifact) -> FormatClaim? {
        artifact.isText && artifact.named([".yaml", ".yml"]) ? FormatClaim(.name, "named .yaml") : nil
    }

    public func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession) {
        let documents: [JSONValue]
        do {
            documents = try YAMLConfig.parse(artifact.text, maxDepth: min(session.limits.maxConfigDepth, Self.parserDepthLimit))
        } catch {
            ConfigUnparseableRule.report(artifact, format: "YAML", why: error.overLimit ? error.message : "is not valid YAML (\(error.message))",
                                         session: session)
            return session.cover(artifact, name, .partial, reason: error.overLimit ? "over a nesting or size limit" : "could not be parsed")
        }
        for document in documents { ConfigChecks.check(document, at: artifact.location, session: session) }
        session.cover(artifact, name, .scanned)
    }
}

/// The checks every parsed config gets, whatever its syntax.
enum ConfigChecks {
    static func check(_ config: JSONValue, at location: Location, session: ScanSession) {
        RemoteCodeRule.check(config, at: location, into: &session.sink)
        checkChatTemplates(in: config, at: location, session: session)
    }

    /// Keys whose value a loader renders as a chat template (`chat_template_jinja` is Axolotl's).
    static let templateKeys: Set<String> = ["chat_template", "chat_template_jinja"]

    /// Chat templates anywhere in the document: the value of a template key (a string, or a list
    /// of `{"name", "template"}` variants, Hugging Face's named templates), and any other string
    /// that holds Jinja delimiters next to dunder names, whatever its key (tools other than
    /// transformers read other keys). Every occurrence is analysed, duplicates included. The walk
    /// keeps its own stack: configs may nest as deep as `ScanLimits.maxConfigDepth`.
    static func checkChatTemplates(in document: JSONValue, at location: Location, session: ScanSession) {
        var pending: [(value: JSONValue, path: String, isTemplate: Bool)] = [(document, "", false)]
        while let (value, path, isTemplate) = pending.popLast() {
            switch value {
            case let .object(members):
                for member in members.reversed() {
                    let here = path.isEmpty ? member.key : path + "." + member.key
                    if templateKeys.contains(member.key) {
                        checkTemplate(member.value, at: location.member(here), session: session)
                    } else {
                        pending.append((member.value, here, false))
                    }
                }
            case let .array(items):
                for (index, item) in items.enumerated().reversed() { pending.append((item, "\(path)[\(index)]", isTemplate)) }
            case let .string(text) where !isTemplate && JinjaTemplateFormat.looksLikeEscape(text):
                JinjaRules.check(text, at: location.member(path), limits: session.limits, into: &session.sink)
            default: continue
            }
        }
    }

    /// One `chat_template` value: a template string or a list of named variants.
    static func checkTemplate(_ value: JSONValue, at location: Location, session: ScanSession) {
        if let template = value.string { JinjaRules.check(template, at: location, limits: session.limits, into: &session.sink) }
        for variant in value.array ?? [] {
            guard let template = variant["template"]?.string else { continue }
            let name = variant["name"]?.string ?? "unnamed"
            let base = location.members.last ?? "chat_template"
            JinjaRules.check(template, at: Location(file: location.file, members: location.members.dropLast() + ["\(base)[\(name)]"]),
                             limits: session.limits, into: &session.sink)
        }
    }
}

/// Python source files: analysed for what they would do when imported.
public struct PythonSourceFormat: FormatPlugin {
    public let name = "python"
    public var rules: [RuleDescriptor] { PythonCodeRules.all }

    public init() {}

    public func claim(_ artifact: Artifact) -> FormatClaim? {
        artifact.named([".py"]) ? FormatClaim(.name, "named .py") : nil
    }

    public func analyze(_ artifact: Artifact, claim: FormatClaim, session: ScanSession) {
        PythonCodeRules.check(artifact.text, at: artifact.location, into: &session.sink)
        session.cover(artifact, name, .scanned)
    }
}

/// A config file its loader would parse but ModelVet could not.
public enum ConfigUnparseableRule {
    /// Keys whose presence makes an unreadable config dangerous: they load code or carry templates.
    static let riskyKeys = ["auto_map", "custom_pipelines", "chat_template", "trust_remote_code"]

    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "config_unparseable", severity: .low,
        title: "Configuration file cannot be parsed",
        description: """
        A JSON or YAML configuration could not be parsed the way its loader parses it (Python's `json` module for \
        Hugging Face configs, a YAML loader for YAML), or it nests deeper than ModelVet follows. Its remote-code \
        mappings and chat templates were therefore not examined. A config that its loader rejects does nothing, \
        but one that only a scanner rejects hides whatever it carries: the severity is high when the raw text \
        mentions keys that load code or templates (`auto_map`, `custom_pipelines`, `chat_template`), low otherwise.
        """,
        remediation: "Inspect the file by hand; a config written by a framework parses cleanly.",
        references: ["https://docs.python.org/3/library/json.html", "CWE-20"],
        examples: [
            RuleExample("auto_map inside a config nested deeper than ModelVet follows", fileName: "config.json", triggers: true) {
                let depth = ScanLimits().maxConfigDepth + 1
                return Array((String(repeating: "[", count: depth) + #"{"auto_map":{"AutoModel":"m.M"}}"#
                              + String(repeating: "]", count: depth)).utf8)
            },
            RuleExample("a JSON file with a comment, which Python's json module rejects", fileName: "tsconfig.json", triggers: true) {
                Array("{\n  // compiler options\n  \"strict\": true\n}\n".utf8)
            },
            RuleExample("a config with a NaN value, which Python's json accepts", fileName: "config.json", triggers: false) {
                Array(#"{"model_type":"llama","initializer_range":NaN}"#.utf8)
            },
        ])

    /// Reports `artifact` as unparseable; high when its text names a risky key.
    static func report(_ artifact: Artifact, format: String, why: String, session: ScanSession) {
        let text = artifact.text
        let mentioned = riskyKeys.filter { text.contains($0) }
        session.report(descriptor, "\(format) config \(why); its contents were not examined"
                       + (mentioned.isEmpty ? "" : ", and its text mentions " + mentioned.joined(separator: ", ")),
                       at: artifact.location, evidence: mentioned.isEmpty ? nil : mentioned.joined(separator: ", "),
                       severity: mentioned.isEmpty ? nil : .high)
    }
}
