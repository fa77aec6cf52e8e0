import VetCore
import VetJinja

/// Chat-template example files for the Jinja rules' descriptors.
enum JinjaExample {
    /// References every Jinja rule cites.
    static let references = ["CVE-2024-34359", "CWE-1336",
                             "https://github.com/abetlen/llama-cpp-python/security/advisories/GHSA-56xg-wfcc-g829"]

    /// A ChatML template of the kind real models ship.
    static let chatML = """
    {% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}\
    {% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}
    """

    /// A `tokenizer_config.json` whose `chat_template` is `template`.
    static func tokenizerConfig(_ template: String) -> [UInt8] {
        Array(("{\"bos_token\": \"<|im_start|>\", \"chat_template\": " + JinjaValue.jsonString(template) + "}\n").utf8)
    }

    /// A triggering example from `template`.
    static func triggering(_ summary: String, _ template: String) -> RuleExample {
        RuleExample(summary, fileName: "tokenizer_config.json", triggers: true) { tokenizerConfig(template) }
    }

    /// The ChatML template, which no Jinja rule flags.
    static func clean(_ summary: String = "an ordinary ChatML chat template") -> RuleExample {
        RuleExample(summary, fileName: "tokenizer_config.json", triggers: false) { tokenizerConfig(chatML) }
    }
}
