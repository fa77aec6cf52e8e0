import Foundation
import VetCore

/// The licence and openness of a model, from its `ModelFacts`.
///
/// Licences come from metadata (GGUF `general.license`, the card's `license`/`license_name`) and from
/// licence files identified by their text; disagreeing sources are a note, as is a folder with no
/// licence at all (which grants no rights). Openness follows the Model Openness Framework (Linux
/// Foundation, 2024): each of its components is looked for among the files, and a class is reached
/// only when all of its components are present and every licence found is open. The check is of what
/// the folder holds (and, for the technical report, what its card links to), not of what the publisher
/// released elsewhere.
public enum ProvenanceAssessment {
    public static func summarise(_ facts: ModelFacts) -> ProvenanceSummary {
        var notes = facts.notes
        let licences = Self.licences(facts, notes: &notes)
        let components = Self.components(facts)
        var gaps: [String] = []
        if licences.isEmpty { gaps.append("no licence found: MOF classes require open licences") }
        for l in licences where !l.open {
            gaps.append("\(l.name) is not an open licence (\(l.category)): MOF classes require OSI-approved or open data licences")
        }
        var reached: Int?
        for level in [3, 2, 1] {
            let missing = components.filter { $0.mofClass >= level && !$0.present }
            if !missing.isEmpty {
                gaps.append("Class \(roman(level)) needs " + missing.map(\.name).joined(separator: ", "))
                break
            }
            if gaps.isEmpty { reached = level }
        }
        let names = [1: "Class I — Open Science", 2: "Class II — Open Tooling", 3: "Class III — Open Model"]
        return ProvenanceSummary(path: facts.path, licences: licences, openness: reached.flatMap { names[$0] },
                                 opennessGaps: gaps, components: components, notes: notes)
    }

    static func roman(_ n: Int) -> String { ["", "I", "II", "III"][n] }

    static func summary(_ entry: LicenceEntry, sources: [String]) -> ProvenanceSummary.Licence {
        .init(id: entry.id, name: entry.name, spdx: entry.spdx, category: entry.category.rawValue, open: entry.isOpen,
              restrictions: entry.restrictions, url: entry.url, sources: sources)
    }

    static func licences(_ facts: ModelFacts, notes: inout [String]) -> [ProvenanceSummary.Licence] {
        var found: [ProvenanceSummary.Licence] = []
        func record(_ licence: ProvenanceSummary.Licence) {
            if let i = found.firstIndex(where: { $0.id == licence.id }) {
                found[i].sources += licence.sources.filter { !found[i].sources.contains($0) }
            } else {
                found.append(licence)
            }
        }
        // "other" and "unknown" only say to look at license_name / license_link / the files.
        for declared in facts.declaredLicences where !["other", "unknown", "none"].contains(declared.value.lowercased()) {
            if let entry = LicenceCatalog.named(declared.value) ?? LicenceCatalog.identify(text: declared.value) {
                record(summary(entry, sources: [declared.source]))
            } else {
                let link = facts.licenceLinks.first.map { " (\($0.value))" } ?? ""
                notes.append("\(declared.source) declares licence '\(declared.value)'\(link), which modelvet does not recognise: read its terms")
                record(.init(id: declared.value, name: declared.value, spdx: nil, category: "unrecognised", open: false,
                             restrictions: ["Unrecognised licence: its terms were not checked."], url: facts.licenceLinks.first?.value, sources: [declared.source]))
            }
        }
        for file in facts.licenceFiles {
            let base = file.path.lowercased()
            if let entry = LicenceCatalog.identify(text: file.text) {
                record(summary(entry, sources: [file.path]))
            } else if base.hasPrefix("use_policy") {
                notes.append("\(file.path): an acceptable use policy accompanies the model; its terms bind users")
            } else if !base.hasPrefix("notice") {
                notes.append("\(file.path): the licence text is not one modelvet recognises: read it")
            }
        }
        if found.isEmpty {
            notes.append("no licence is declared in the metadata or present as a file: without one, no rights to use or redistribute are granted")
        } else if found.count > 1 {
            notes.append("the licences found disagree: " + found.map { "\($0.name) (\($0.sources.joined(separator: ", ")))" }.joined(separator: " vs "))
        }
        return found
    }

    static func components(_ facts: ModelFacts) -> [ProvenanceSummary.Component] {
        let names = facts.files == ["."] ? [URL(fileURLWithPath: facts.path).lastPathComponent] : facts.files
        let files = names.map { ($0, $0.lowercased(), String($0.lowercased().split(separator: "/").last ?? "")) }
        func matching(_ test: (String, String) -> Bool) -> String? {
            let hits = files.filter { test($0.1, $0.2) }.map(\.0)
            return hits.isEmpty ? nil : hits.prefix(3).joined(separator: ", ") + (hits.count > 3 ? " and \(hits.count - 3) more" : "")
        }
        let card = facts.card?.lowercased() ?? ""
        let headings = card.split(separator: "\n").filter { $0.hasPrefix("#") }.map(String.init)
        func heading(_ words: [String]) -> String? {
            headings.first { h in words.contains { h.contains($0) } }.map { "README.md: \"\($0.trimmingCharacters(in: .whitespaces))\"" }
        }
        let python: (String) -> Bool = { $0.hasSuffix(".py") || $0.hasSuffix(".sh") || $0.hasSuffix(".ipynb") }
        let dataFile: (String) -> Bool = { n in [".jsonl", ".parquet", ".csv", ".tsv", ".arrow"].contains { n.hasSuffix($0) } }

        let architecture = facts.architecture.map { "declared: \($0)" } ?? matching { _, b in b.hasPrefix("modeling_") && b.hasSuffix(".py") }
        let weights = matching { _, b in ModelFacts.weightFormat(b) != nil && !b.hasPrefix("training_args") && !b.hasPrefix("optimizer") }
        let modelCard = (facts.card.map { $0.count >= 200 } ?? false) ? "README.md" : nil
        let dataCard = facts.datasets.isEmpty ? (heading(["training data", "dataset", "data card"]) ?? matching { _, b in b.contains("datasheet") || b.contains("data_card") })
            : "datasets declared: " + facts.datasets.prefix(3).map(\.value).joined(separator: ", ") + (facts.datasets.count > 3 ? " and \(facts.datasets.count - 3) more" : "")
        let arxiv = card.range(of: "arxiv.org/").map { _ in "README.md links to arxiv.org" }
        let report = matching { _, b in b.hasSuffix(".pdf") } ?? arxiv ?? heading(["technical report"])
        let evaluation = facts.cardHasEvaluationResults ? "README.md front matter: model-index" : heading(["evaluation", "results", "benchmark"])
        let training = matching { _, b in python(b) && (b.contains("train") || b.contains("finetune") || b.contains("fine_tune")) }
        let inference = matching { _, b in python(b) && (b.hasPrefix("modeling_") || b.contains("inference") || b.contains("generate") || b.hasPrefix("pipeline")) }
        let evalCode = matching { _, b in python(b) && b.contains("eval") }
        let evalData = matching { n, b in dataFile(b) && (n.contains("eval") || n.contains("test") || n.contains("benchmark")) }
        let libraries = matching { _, b in ["requirements.txt", "setup.py", "pyproject.toml", "environment.yml", "package.swift", "cmakelists.txt"].contains(b) }
        let paper = matching { _, b in b.hasSuffix(".pdf") && b.contains("paper") } ?? arxiv
        let datasets = matching { n, b in dataFile(b) && !(n.contains("eval") || n.contains("test")) }
        let preprocessing = matching { _, b in python(b) && (b.contains("preprocess") || b.contains("prepare_data") || b.contains("tokenize_data")) }
        let intermediate = matching { n, _ in n.hasPrefix("checkpoint-") || n.contains("/checkpoint-") || n.hasPrefix("checkpoints/") }

        let rows: [(String, Int, String?)] = [
            ("model architecture", 3, architecture), ("model parameters (final)", 3, weights), ("model card", 3, modelCard),
            ("data card", 3, dataCard), ("technical report", 3, report), ("evaluation results", 3, evaluation),
            ("training code", 2, training), ("inference code", 2, inference), ("evaluation code", 2, evalCode),
            ("evaluation data", 2, evalData), ("supporting libraries and tools", 2, libraries),
            ("research paper", 1, paper), ("datasets", 1, datasets), ("data preprocessing code", 1, preprocessing),
            ("model parameters (intermediate)", 1, intermediate),
        ]
        return rows.map { .init(name: $0.0, mofClass: $0.1, present: $0.2 != nil, evidence: $0.2) }
    }
}
