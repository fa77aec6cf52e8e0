import VetCore

/// A chat template reaches a dunder or private attribute.
public enum JinjaDunderAccessRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "jinja_dunder_access", severity: .critical,
        title: "Chat template reaches Python internals",
        description: """
        The template reads an attribute or item whose name starts with an underscore, such as `__class__`, \
        `__globals__`, `__init__` or `_TemplateReference__context`, or spells such a name in a string. Chat \
        templates only format messages; the only reason to walk Python's object internals is to climb from a \
        harmless object to the interpreter's globals and run commands. Engines that render templates with an \
        unsandboxed Jinja environment (llama-cpp-python before 0.2.72, CVE-2024-34359) execute such a payload \
        the moment a chat is formatted.
        """,
        remediation: """
        Do not load the model with any engine that renders its chat template; replace the template with the \
        base model's official one, and report the repository.
        """,
        references: JinjaExample.references,
        examples: [
            JinjaExample.triggering("the published CVE-2024-34359 payload shape",
                "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen('id').read() }}"),
            JinjaExample.triggering("a dunder name assembled with ~", "{{ ()['__cla' ~ 'ss__'] }}"),
            JinjaExample.clean(),
        ])
}

/// A chat template looks an attribute up by a computed name.
public enum JinjaComputedAttributeRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "jinja_computed_attribute_name", severity: .high,
        title: "Chat template looks up attributes by computed names",
        description: """
        The template uses the `attr` filter, a `getattr`-style call, or a subscript or `attribute=` argument \
        whose name is built at render time (concatenation, `~`, `%`, `format`, `join`, `replace`, slicing, \
        `reverse`, case changes) rather than written as a plain string. Sandbox-escape payloads assemble \
        forbidden names this way so that no dunder appears verbatim in the file; real chat templates index \
        messages with literal keys.
        """,
        remediation: "Treat the template as hostile unless every computed lookup is understood; prefer the official template.",
        references: JinjaExample.references,
        examples: [
            JinjaExample.triggering("the attr filter", "{{ messages|attr(name) }}"),
            JinjaExample.triggering("a name built by join", "{{ messages[['ro', 'le']|join] }}"),
            JinjaExample.clean(),
        ])
}

/// A chat template touches Jinja or Flask globals used in sandbox escapes.
public enum JinjaEscapeObjectRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "jinja_sandbox_escape_object", severity: .high,
        title: "Chat template touches objects used to escape the sandbox",
        description: """
        The template refers to a global whose Python function objects lead to module globals (`cycler`, \
        `joiner`, `lipsum`, `self`, `config`, `request`, `url_for`, `get_flashed_messages`), reads attributes \
        of `namespace`, `range` or `dict`, or names `os`, `subprocess`, `popen`, `system`, `eval`, `mro` or \
        similar. These are the stepping stones of published Jinja server-side template injection payloads; \
        no chat template needs them. Reaching a command-execution name is reported as critical.
        """,
        remediation: "Do not render the template; replace it with the official one for the base model.",
        references: JinjaExample.references,
        examples: [
            JinjaExample.triggering("lipsum's globals", "{{ lipsum.__globals__['os'].popen('id').read() }}"),
            JinjaExample.triggering("a cycler reference", "{% set c = cycler %}{{ c }}"),
            JinjaExample.clean(),
        ])
}

/// A chat template loads other templates.
public enum JinjaTemplateLoadingRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "jinja_template_loading", severity: .medium,
        title: "Chat template includes, imports or extends other templates",
        description: """
        The template uses `include`, `import`, `from … import` or `extends`. A chat template is a single \
        self-contained string; loading other templates makes the result depend on files the engine can \
        reach (a path-traversal and information-disclosure vector when a loader is configured) and on code \
        this scan has not seen.
        """,
        remediation: "Inline what the template needs or use the official template.",
        references: JinjaExample.references,
        examples: [
            JinjaExample.triggering("an include of a file path", "{% include '../../etc/passwd' %}"),
            JinjaExample.clean(),
        ])
}

/// A chat template cannot be parsed.
public enum JinjaUnparseableRule {
    /// The rule's descriptor.
    public static let descriptor = RuleDescriptor(
        id: "jinja_unparseable_template", severity: .high,
        title: "Chat template cannot be parsed",
        description: """
        The template is not valid Jinja2, or it exceeds the size, nesting or node budgets. Engines with other \
        template parsers may still accept it and do something this scan did not see, so an unparseable \
        template is never treated as clean.
        """,
        remediation: "Inspect the template by hand; replace it with the official template for the base model.",
        references: JinjaExample.references,
        examples: [
            JinjaExample.triggering("an unterminated block", "{% for message in messages %}{{ message }}"),
            JinjaExample.clean(),
        ])
}
