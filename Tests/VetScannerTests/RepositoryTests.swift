import VetFixtures
import Foundation
import Testing
import VetCore
import VetFormats
import VetRules
import VetScanner

/// Builds a folder laid out like a model repository.
func repository(_ files: [String: [UInt8]]) throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-repo-\(UUID().uuidString)")
    for (name, bytes) in files {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: url)
    }
    return folder
}

@Suite("Model repositories")
struct RepositoryTests {
    let safetensors = SafeTensorsExample.valid
    let pickle = PickleAssembler.benignPickle(protocolVersion: 2)

    @Test("a safetensors-only repository gets the 'safe formats only' verdict")
    func safeOnly() throws {
        let folder = try repository(["model.safetensors": safetensors, "config.json": Array(#"{"model_type":"llama"}"#.utf8),
                                     "README.md": Array("# card\n".utf8)])
        let report = scan([folder.path])
        #expect(report.findings.isEmpty)
        #expect(report.repositories.map(\.verdict) == ["safe formats only"])
    }

    @Test("remote code: auto_map is reported with its files, and the files' behaviour too")
    func remoteCode() throws {
        let folder = try repository([
            "config.json": Array(#"{"auto_map":{"AutoModel":"modeling_evil.EvilModel"}}"#.utf8),
            "modeling_evil.py": Array("import os\nimport base64\nexec(base64.b64decode(x))\nos.system('id')\n".utf8),
            "model.safetensors": safetensors,
        ])
        let report = scan([folder.path])
        let ids = Set(report.findings.map(\.ruleID))
        #expect(ids.isSuperset(of: ["repo_remote_code", "python_dynamic_code", "python_process", "python_obfuscation"]))
        #expect(report.findings.first { $0.ruleID == "repo_remote_code" }?.message.contains("modeling_evil.py") == true)
        #expect(report.repositories.first?.verdict.hasPrefix("DANGEROUS") == true)
    }

    @Test("a pickle next to its safetensors twin is noted")
    func shadowedPickle() throws {
        let folder = try repository(["pytorch_model.bin": pickle, "model.safetensors": safetensors])
        let report = scan([folder.path])
        let finding = try #require(report.findings.first { $0.ruleID == "repo_pickle_beside_safetensors" })
        #expect(finding.location.file.hasSuffix("pytorch_model.bin"))
        #expect(report.repositories.first?.verdict.hasPrefix("uses pickle-based formats") == true)
    }

    @Test("imports are resolved through aliases and from-imports")
    func aliases() {
        let module = PythonModule.analyse("import subprocess as sp\nfrom os import system as s\nsp.Popen(x)\ns('id')\nprint(1)\n")
        #expect(module.references.map(\.name).contains("subprocess.Popen"))
        #expect(module.references.map(\.name).contains("os.system"))
        #expect(module.references.first { $0.name == "builtins.print" } == nil)
    }
}
