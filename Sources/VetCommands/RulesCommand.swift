import ArgumentParser
import Foundation
import VetCore
import VetRules

/// `modelvet rules`: the rule catalogue.
struct RulesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "List the rules, explain one, or write their examples as files.",
        subcommands: [List.self, Explain.self, Examples.self],
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

    struct Examples: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write every rule's examples as files, with a MANIFEST.json, to test a pipeline or another scanner.",
            discussion: """
            Each example is written to OUTPUT/<rule id>/<n>-<fires|silent>/<file name>, under the name the test suite \
            scans it as (loaders and scanners go by names such as tokenizer_config.json). MANIFEST.json maps every \
            written path to its rule, the rule's default severity, whether the example fires, its summary, and whether \
            it only fires under tightened limits (bombs and resource examples, which are built small). The test suite \
            scans the same examples. Examples that fire are crafted files with harmless payloads (`echo`, `id`); \
            never load them with a framework.

            Examples:
              modelvet rules examples --output /tmp/examples
              modelvet rules examples --output /tmp/gguf --rule gguf_tensor_out_of_bounds
            """)

        @Option(name: .shortAndLong, help: ArgumentHelp("Directory to write into; created, and must not already hold files.", valueName: "dir"))
        var output: String

        @Option(help: ArgumentHelp("Only this rule's examples.", valueName: "id"))
        var rule: String?

        func run() throws {
            var rules = RuleRegistry.all
            if let rule {
                guard let one = RuleRegistry.descriptor(id: rule) else {
                    Terminal.error("unknown rule `\(rule)`")
                    throw ExitCode(2)
                }
                rules = [one]
            }
            let files = FileManager.default
            if let existing = try? files.contentsOfDirectory(atPath: output), !existing.isEmpty {
                Terminal.error("\(output) already holds files; give an empty or new directory")
                throw ExitCode(2)
            }
            var manifest: [String: [String: Any]] = [:]
            do {
                for descriptor in rules where !descriptor.examples.isEmpty {
                    for (index, example) in descriptor.examples.enumerated() {
                        let base = (example.fileName as NSString).lastPathComponent
                        let name = "\(index + 1)-\(example.triggers ? "fires" : "silent")/" + base
                        let folder = ((output as NSString).appendingPathComponent(descriptor.id) as NSString)
                            .appendingPathComponent("\(index + 1)-\(example.triggers ? "fires" : "silent")")
                        try files.createDirectory(atPath: folder, withIntermediateDirectories: true)
                        let path = (folder as NSString).appendingPathComponent(base)
                        try Data(example.makeBytes()).write(to: URL(fileURLWithPath: path))
                        manifest[descriptor.id + "/" + name] = [
                            "rule": descriptor.id, "severity": descriptor.severity.name, "fires": example.triggers,
                            "summary": example.summary, "tightened_limits": example.limits != nil,
                            "scanned_as": example.fileName,
                        ]
                    }
                }
                let json = try JSONSerialization.data(withJSONObject: manifest, options: [.prettyPrinted, .sortedKeys])
                try json.write(to: URL(fileURLWithPath: (output as NSString).appendingPathComponent("MANIFEST.json")))
            } catch {
                Terminal.error("cannot write examples to \(output): \(error.localizedDescription)")
                throw ExitCode(2)
            }
            Terminal.write("wrote \(manifest.count) examples of \(rules.filter { !$0.examples.isEmpty }.count) rules to \(output)\n")
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
