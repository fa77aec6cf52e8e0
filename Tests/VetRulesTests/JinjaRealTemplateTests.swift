import Foundation
import Testing
import VetTestSupport
import VetCore
import VetFormats
import VetRules

/// Real chat templates fetched by `Fixtures/fetch_chat_templates.py` (from the llama-cpp-python
/// sdist and the SmolLM2 GGUF on PyPI) must parse and produce no findings; the test skips with
/// a notice when the cache is absent.
@Suite struct JinjaRealTemplateTests {
    static let directory = ModelCache.path("chat-templates")

    static let files: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".jinja") }.sorted()
    }()

    static let available = !files.isEmpty

    @Test("real chat templates parse and scan clean",
          .enabled(if: available, "chat templates absent: run Fixtures/fetch_chat_templates.py"))
    func realTemplatesAreClean() throws {
        for name in Self.files {
            let template = try String(contentsOfFile: Self.directory + "/" + name, encoding: .utf8)
            var sink = FindingSink()
            JinjaRules.check(template, at: Location(file: name), into: &sink)
            #expect(sink.findings.isEmpty, "\(name): \(sink.findings.map(\.message))")
        }
    }

    @Test("the families named in the issue are among them",
          .enabled(if: available, "chat templates absent: run Fixtures/fetch_chat_templates.py"))
    func expectedFamiliesPresent() {
        for family in ["smollm2", "Llama-3.1-8B-Instruct", "Qwen2.5-7B-Instruct", "DeepSeek-R1", "DeepSeek-V3",
                       "gemma-2", "Phi-3", "Mistral-Nemo", "Mistral-7B-Instruct-v0.2"] {
            #expect(Self.files.contains { $0.localizedCaseInsensitiveContains(family) }, "missing \(family)")
        }
    }
}
