import ArgumentParser
import VetCore
import VetRules

/// `modelvet rules`: the rule catalogue.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List the rules, or explain one.",
        subcommands: [List.self, Explain.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every rule with its default severity.")

        @Flag(help: "Print the full catalogue as Markdown (this is docs/rules.md).")
        var markdown = false

        func run() {
            if markdown { return Terminal.write(RuleText.markdownCatalogue(RuleRegistry.all)) }
            let width = RuleRegistry.all.map(\.id.count).max() ?? 20
            for rule in RuleRegistry.all {
                Terminal.write(rule.id.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                               + rule.severity.name.padding(toLength: 10, withPad: " ", startingAt: 0) + rule.title + "\n")
            }
            Terminal.write("\n\(RuleRegistry.all.count) rules. `modelvet rules explain ID` shows one in full.\n")
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Describe a rule: why it matters, what to do, references and examples.")

        @Argument(help: "The rule id, as shown by `modelvet rules`.")
        var id: String

        func run() throws {
            guard let rule = RuleRegistry.descriptor(id: id) else {
                let close = RuleRegistry.all.map(\.id).filter { $0.contains(id) || id.contains($0) }
                Terminal.error("unknown rule `\(id)`" + (close.isEmpty ? "" : "; did you mean " + close.joined(separator: ", ") + "?"))
                throw ExitCode(2)
            }
            Terminal.write(RuleText.explain(rule))
        }
    }
}

/// Renders a descriptor as text for `rules explain` and the catalogue in docs/.
public enum RuleText {
    /// The rule catalogue as Markdown, generated from the descriptors.
    public static func markdownCatalogue(_ rules: [RuleDescriptor]) -> String {
        var out = "# Rule catalogue\n\nGenerated from the rule descriptors by `modelvet rules list --markdown`; "
        out += "a test fails when this file is stale.\n\n| id | default severity | title |\n|---|---|---|\n"
        for rule in rules { out += "| [`\(rule.id)`](#\(rule.id)) | \(rule.severity.name) | \(rule.title) |\n" }
        for rule in rules {
            out += "\n## \(rule.id)\n\n**\(rule.title)**. Default severity: \(rule.severity.name).\n\n"
            out += rule.description + "\n\n**What to do.** " + rule.remediation + "\n"
            if !rule.references.isEmpty { out += "\n**References:** " + rule.references.joined(separator: ", ") + "\n" }
            if !rule.examples.isEmpty {
                out += "\n**Examples** (run by the test suite):\n\n"
                for example in rule.examples {
                    out += "- \(example.triggers ? "fires" : "silent"): \(example.summary) (`\(example.fileName)`)\n"
                }
            }
        }
        return out
    }

    /// Plain-text explanation of one rule.
    public static func explain(_ rule: RuleDescriptor) -> String {
        var out = "\(rule.id)  (default severity: \(rule.severity.name))\n\(rule.title)\n\n"
        out += rule.description + "\n\nWhat to do: " + rule.remediation + "\n"
        if !rule.references.isEmpty { out += "\nReferences:\n" + rule.references.map { "  - \($0)\n" }.joined() }
        if !rule.examples.isEmpty {
            out += "\nExamples:\n"
            for example in rule.examples {
                out += "  [\(example.triggers ? "fires" : "silent")] \(example.summary) (\(example.fileName))\n"
            }
        }
        return out
    }
}
