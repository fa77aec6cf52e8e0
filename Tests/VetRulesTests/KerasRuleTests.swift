import Foundation
import Testing
import VetBytes
import VetCore
import VetFormats
import VetRules

/// Runs the Keras and HDF5 rules the way the scanner will: HDF5 by signature, `.keras` by zip layout.
enum KerasRuleHarness {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/files/keras")

    static func scan(_ bytes: ByteSource, name: String) -> (findings: [Finding], outcome: KerasRules.Outcome?) {
        var sink = FindingSink()
        let location = Location(file: name)
        if HDF5File.sniff(bytes) {
            let outcome = KerasRules.checkHDF5(bytes, at: location, limits: ScanLimits(), into: &sink)
            return (sink.findings, outcome)
        }
        guard let zip = try? ZipArchive.parse(bytes, limits: ScanLimits()), KerasArchive.isKerasArchive(zip, name: name) else {
            return ([], nil)
        }
        var budget = DecompressionBudget(limits: ScanLimits())
        let outcome = KerasRules.checkArchive(zip, at: location, budget: &budget, limits: ScanLimits(), into: &sink)
        return (sink.findings, outcome)
    }

    static func scanFixture(_ name: String) throws -> (findings: [Finding], outcome: KerasRules.Outcome?) {
        scan(try ByteSource.mapFile(atPath: fixtures.appendingPathComponent(name).path), name: name)
    }
}

@Suite("Keras and HDF5 rules")
struct KerasRuleTests {
    @Test("rule ids and severities are the agreed ones")
    func registry() {
        #expect(KerasRules.all.map { "\($0.id):\($0.severity)" } == [
            "keras_lambda_layer:critical", "keras_safe_mode_bypass:high", "keras_custom_object:medium",
            "keras_malformed:medium", "hdf5_malformed:medium",
        ])
    }

    @Test("every example triggers exactly when it says it does")
    func examples() {
        for descriptor in KerasRules.all {
            #expect(!descriptor.references.isEmpty && descriptor.examples.contains { $0.triggers }
                    && descriptor.examples.contains { !$0.triggers }, "\(descriptor.id)")
            for example in descriptor.examples {
                let result = KerasRuleHarness.scan(ByteSource(example.makeBytes()), name: example.fileName)
                #expect(result.outcome != nil, "\(descriptor.id): \(example.summary) was not read as Keras")
                let fired = result.findings.contains { $0.ruleID == descriptor.id }
                #expect(fired == example.triggers, "\(descriptor.id): \(example.summary): \(result.findings)")
            }
        }
    }

    @Test("committed fixtures produce exactly the expected rules", arguments: [
        ("sequential.keras", [String]()), ("legacy_sequential.h5", []), ("legacy_bytes_config.h5", []),
        ("legacy_latest.h5", []), ("legacy_userblock.h5", []), ("weights_only.h5", []), ("many_groups.h5", []),
        ("lambda.keras", ["keras_lambda_layer"]), ("legacy_lambda.h5", ["keras_lambda_layer"]),
        ("custom_object.keras", ["keras_custom_object"]), ("cve_2025_1550.keras", ["keras_safe_mode_bypass"]),
        ("cve_2025_8747.keras", ["keras_safe_mode_bypass"]),
        ("cve_2025_9906.keras", ["keras_lambda_layer", "keras_safe_mode_bypass"]),
        ("real_sequential.keras", []), ("real_sequential.h5", []),
        ("real_lambda.keras", ["keras_lambda_layer"]), ("real_lambda.h5", ["keras_lambda_layer"]),
        ("broken_config.keras", ["keras_malformed"]), ("dense_attributes.h5", []), ("dense_attributes_100.h5", []),
    ])
    func fixtures(name: String, expected: [String]) throws {
        let result = try KerasRuleHarness.scanFixture(name)
        #expect(Set(result.findings.map(\.ruleID)) == Set(expected), "\(name): \(result.findings)")
        let outcome = try #require(result.outcome)
        #expect(outcome.partialReasons.isEmpty, "\(name)")
        #expect(outcome.model.configs.isEmpty == (name.hasPrefix("weights") || name.hasPrefix("dense") || name.hasPrefix("many")
                                                   || name.hasPrefix("broken")), "\(name)")
        if name.hasSuffix(".keras") { #expect(outcome.weightMembers == ["model.weights.h5"]) }
    }

    @Test("findings point at the config member and say what was found")
    func locations() throws {
        let lambda = try #require(try KerasRuleHarness.scanFixture("lambda.keras").findings.first)
        #expect(lambda.location.members == ["config.json"] && lambda.location.offset != nil)
        #expect(lambda.message.contains("code object") && lambda.evidence?.contains("system") == true)
        let bypass = try #require(try KerasRuleHarness.scanFixture("cve_2025_1550.keras").findings.first)
        #expect(bypass.evidence == "os.system")
        let legacy = try #require(try KerasRuleHarness.scanFixture("legacy_lambda.h5").findings.first)
        #expect(legacy.location.members.isEmpty && legacy.message.contains("ignores safe_mode"))
    }

    @Test("a lambda whose text is Python source, not marshalled code, is medium: no Keras can rebuild it")
    func sourceTextLambda() throws {
        let layer = KerasExample.lambdaLayerV2.replacingOccurrences(
            of: KerasExample.lambdaCode, with: #"lambda x: __import__('os').system('echo modelvet-test')"#)
        let result = KerasRuleHarness.scan(ByteSource(KerasExample.legacyH5(layers: [layer])), name: "model.h5")
        let finding = try #require(result.findings.first { $0.ruleID == "keras_lambda_layer" })
        #expect(finding.severity == .medium && finding.message.contains("does not decode to a code object"))
        let real = KerasRuleHarness.scan(ByteSource(KerasExample.legacyH5(layers: [KerasExample.lambdaLayerV2])), name: "model.h5")
        #expect(real.findings.contains { $0.ruleID == "keras_lambda_layer" && $0.severity == .critical })
    }

    @Test("unsupported HDF5 structures make the file partly scanned, with no finding")
    func partial() throws {
        let original = try ByteSource.mapFile(atPath: KerasRuleHarness.fixtures.appendingPathComponent("dense_attributes.h5").path)
        var bytes = original.prefixBytes(length: original.count)
        let index = try #require(original.firstIndex(of: Array("BTHD".utf8)))
        bytes[index + 12] = 2
        let result = KerasRuleHarness.scan(ByteSource(bytes), name: "deep.h5")
        #expect(result.findings.isEmpty)
        #expect(result.outcome?.partialReasons.first?.contains("depth 2") == true)
    }

    @Test("every prefix of a malicious archive and .h5 ends in findings or silence, never a crash",
          arguments: ["lambda.keras", "legacy_lambda.h5"])
    func prefixes(name: String) throws {
        let whole = try ByteSource.mapFile(atPath: KerasRuleHarness.fixtures.appendingPathComponent(name).path)
        for length in stride(from: 0, to: whole.count, by: 5) {
            _ = KerasRuleHarness.scan(try whole.slice(0..<length), name: name)
        }
        let malformed = KerasRuleHarness.scan(try whole.slice(0..<(whole.count * 2 / 3)), name: name)
        if name.hasSuffix(".h5") { #expect(malformed.findings.contains { $0.ruleID == "hdf5_malformed" }) }
    }
}
