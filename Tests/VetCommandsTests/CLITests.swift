import VetFixtures
import Foundation
import Testing
import VetTestSupport
import VetFormats

/// A temporary folder with a benign and a malicious pickle.
func sampleFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    try Data(PickleAssembler.benignPickle()).write(to: folder.appendingPathComponent("good.pkl"))
    try Data(PickleAssembler.callPickle("os", "system", ["echo modelvet-test"])).write(to: folder.appendingPathComponent("bad.bin"))
    try Data("# card\n".utf8).write(to: folder.appendingPathComponent("README.md"))
    return folder
}

@Suite("modelvet command line", .serialized)
struct CLITests {
    @Test("exit 0 for a clean file, 1 for findings at the threshold, 2 for usage and I/O errors")
    func exitCodes() throws {
        let folder = try sampleFolder()
        #expect(try CLI.run(["scan", folder.appendingPathComponent("good.pkl").path]).status == 0)
        let bad = try CLI.run(["scan", folder.path])
        #expect(bad.status == 1)
        #expect(bad.stdout.contains("pickle_dangerous_import"))
        #expect(bad.stdout.contains("os.system"))
        #expect(try CLI.run(["scan", "--fail-on", "critical", folder.appendingPathComponent("good.pkl").path]).status == 0)
        #expect(try CLI.run(["scan", "/nonexistent/model.pt"]).status == 2)
        #expect(try CLI.run(["scan"]).status == 2)
        #expect(try CLI.run(["scan", "--fail-on", "extreme", folder.path]).status == 2)
        #expect(try CLI.run(["--help"]).status == 0)
    }

    @Test("help teaches the exit codes and examples")
    func help() throws {
        let help = try CLI.run(["scan", "--help"])
        #expect(help.stdout.contains("Exit codes"))
        #expect(help.stdout.contains("--fail-on"))
        #expect(help.stdout.contains("--policy"))
    }

    @Test("JSON and SARIF reports are valid JSON, written to --output, and reproducible")
    func machineReadable() throws {
        let folder = try sampleFolder()
        let json = folder.appendingPathComponent("report.json")
        let first = try CLI.run(["scan", "--format", "json", "--output", json.path, "--quiet", folder.appendingPathComponent("bad.bin").path])
        #expect(first.status == 1)
        let data = try Data(contentsOf: json)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["schema_version"] as? String == "1.3.0")
        let findings = try #require(object["findings"] as? [[String: Any]])
        #expect(findings.first?["rule_id"] as? String == "pickle_dangerous_import")
        let again = try CLI.run(["scan", "--format", "json", folder.appendingPathComponent("bad.bin").path])
        #expect(again.stdout == String(decoding: data, as: UTF8.self))
        let sarif = try CLI.run(["scan", "--format", "sarif", folder.appendingPathComponent("bad.bin").path])
        let log = try #require(try JSONSerialization.jsonObject(with: Data(sarif.stdout.utf8)) as? [String: Any])
        #expect(log["version"] as? String == "2.1.0")
        let runs = try #require(log["runs"] as? [[String: Any]])
        #expect((runs.first?["results"] as? [Any])?.count == 1)
    }

    @Test("a policy file can raise or lower severities, and a bad one is an error")
    func policy() throws {
        let folder = try sampleFolder()
        let policy = folder.appendingPathComponent("policy.toml")
        try Data("[[severity]]\nrule = \"pickle_dangerous_import\"\nlevel = \"low\"\nreason = \"test\"\n".utf8).write(to: policy)
        #expect(try CLI.run(["scan", "--policy", policy.path, folder.appendingPathComponent("bad.bin").path]).status == 0)
        try Data("[[allow]]\nglobal = \"a.b\"\n".utf8).write(to: policy)
        let bad = try CLI.run(["scan", "--policy", policy.path, folder.path])
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("reason"))
    }

    @Test("rules list and explain")
    func rules() throws {
        let list = try CLI.run(["rules"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("pickle_unknown_import"))
        let explain = try CLI.run(["rules", "explain", "zip_path_traversal"])
        #expect(explain.status == 0)
        #expect(explain.stdout.contains("What to do"))
        #expect(try CLI.run(["rules", "explain", "no_such_rule"]).status == 2)
    }

    @Test("rules examples writes every example with a manifest, and the scan agrees with it")
    func ruleExamples() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-examples-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let written = try CLI.run(["rules", "examples", "--output", folder.path, "--rule", "gguf_duplicate_name"])
        #expect(written.status == 0)
        let manifestData = try Data(contentsOf: folder.appendingPathComponent("MANIFEST.json"))
        let manifest = try #require(try JSONSerialization.jsonObject(with: manifestData) as? [String: [String: Any]])
        #expect(manifest.count == 2)
        for (path, entry) in manifest {
            let scan = try CLI.run(["scan", "-q", "-f", "json", folder.appendingPathComponent(path).path])
            #expect(scan.stdout.contains("\"gguf_duplicate_name\"") == (entry["fires"] as? Bool), "\(path)")
        }
        // A second run into the same folder would mix two sets of files: refused.
        #expect(try CLI.run(["rules", "examples", "--output", folder.path]).status == 2)
        #expect(try CLI.run(["rules", "examples", "--output", folder.path + "-x", "--rule", "nope"]).status == 2)
    }

    @Test("text report groups by file and says when everything was scanned")
    func text() throws {
        let folder = try sampleFolder()
        let clean = try CLI.run(["scan", folder.appendingPathComponent("good.pkl").path, folder.appendingPathComponent("README.md").path])
        #expect(clean.stdout.contains("No findings. Every file was scanned."))
        #expect(!clean.stdout.contains("\u{1B}["))
    }
}
