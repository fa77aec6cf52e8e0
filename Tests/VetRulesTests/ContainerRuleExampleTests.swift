import VetFixtures
import Testing
import VetBytes
import VetCore
import VetFormats
import VetRules

/// Checks the zip and tar anomaly rules against their own descriptors and examples, using the
/// parsers directly (the scanner-level registry test runs them end to end).
@Suite("Zip and tar anomaly rules")
struct ContainerRuleExampleTests {
    @Test("every zip anomaly kind has exactly one rule, with the agreed id and severity")
    func zipRegistry() {
        let expected: [ZipAnomalyKind: (String, Severity)] = [
            .nameMismatch: ("zip_name_mismatch", .high), .unusualFlags: ("zip_unusual_flags", .medium),
            .encrypted: ("zip_encrypted", .medium), .duplicateName: ("zip_duplicate_name", .high),
            .pathTraversal: ("zip_path_traversal", .high), .symlink: ("zip_symlink", .high),
            .crcMismatch: ("zip_crc_mismatch", .medium), .overlappingEntries: ("zip_overlapping_entries", .high),
            .unaccountedData: ("zip_unaccounted_data", .medium), .compressionBomb: ("zip_bomb", .high),
            .unsupportedMethod: ("zip_unsupported_method", .medium), .malformed: ("zip_malformed", .medium),
        ]
        #expect(ZipAnomalyRules.all.count == ZipAnomalyKind.allCases.count)
        for kind in ZipAnomalyKind.allCases {
            let rules = ZipAnomalyRules.all.filter { $0.kind == kind }
            #expect(rules.count == 1, "\(kind)")
            #expect(rules.first.map { ($0.descriptor.id, $0.descriptor.severity) } ?? ("", .info) == expected[kind] ?? ("", .info))
        }
    }

    @Test("every tar anomaly kind has exactly one rule, with the agreed id and severity")
    func tarRegistry() {
        let expected: [TarAnomalyKind: (String, Severity)] = [
            .pathTraversal: ("tar_path_traversal", .high), .link: ("tar_link", .high),
            .specialFile: ("tar_special_file", .medium), .checksumMismatch: ("tar_checksum_mismatch", .medium),
            .malformed: ("tar_malformed", .medium), .duplicateName: ("tar_duplicate_name", .high),
            .unaccountedData: ("tar_unaccounted_data", .medium),
        ]
        #expect(TarAnomalyRules.all.count == TarAnomalyKind.allCases.count)
        for kind in TarAnomalyKind.allCases {
            let rules = TarAnomalyRules.all.filter { $0.kind == kind }
            #expect(rules.count == 1, "\(kind)")
            #expect(rules.first.map { ($0.descriptor.id, $0.descriptor.severity) } ?? ("", .info) == expected[kind] ?? ("", .info))
        }
    }

    @Test("zip rule examples trigger exactly when they say they do")
    func zipExamples() throws {
        for rule in ZipAnomalyRules.all {
            let descriptor = rule.descriptor
            #expect(!descriptor.references.isEmpty && descriptor.examples.contains { $0.triggers }
                    && descriptor.examples.contains { !$0.triggers }, "\(descriptor.id)")
            for example in descriptor.examples {
                let location = Location(file: example.fileName)
                let archive = try ZipArchive.parse(ByteSource(example.makeBytes()), limits: ScanLimits())
                var sink = FindingSink()
                ZipAnomalyRules.check(archive, at: location, into: &sink)
                for entry in archive.entries {
                    if let anomaly = archive.verifyCRC(of: entry) { ZipAnomalyRules.report(anomaly, at: location, into: &sink) }
                }
                let fired = sink.findings.contains { $0.ruleID == descriptor.id }
                #expect(fired == example.triggers, "\(descriptor.id): \(example.summary): \(sink.findings)")
            }
        }
    }

    @Test("tar rule examples trigger exactly when they say they do")
    func tarExamples() throws {
        for rule in TarAnomalyRules.all {
            let descriptor = rule.descriptor
            #expect(!descriptor.references.isEmpty && descriptor.examples.contains { $0.triggers }
                    && descriptor.examples.contains { !$0.triggers }, "\(descriptor.id)")
            for example in descriptor.examples {
                let archive = try TarArchive.parse(ByteSource(example.makeBytes()), limits: ScanLimits())
                var sink = FindingSink()
                TarAnomalyRules.check(archive, at: Location(file: example.fileName), into: &sink)
                let fired = sink.findings.contains { $0.ruleID == descriptor.id }
                #expect(fired == example.triggers, "\(descriptor.id): \(example.summary): \(sink.findings)")
            }
        }
    }

    @Test("findings carry the archive location, the offset and the evidence")
    func findingShape() throws {
        let bytes = ZipBuilder().stored("ok", text: "x").symlink("l", target: "/etc/passwd").bytes()
        let archive = try ZipArchive.parse(ByteSource(bytes), limits: ScanLimits())
        var sink = FindingSink()
        ZipAnomalyRules.check(archive, at: Location(file: "model.zip"), into: &sink)
        let finding = try #require(sink.findings.first)
        #expect(finding.ruleID == "zip_symlink" && finding.severity == .high)
        #expect(finding.location.description == "model.zip@0x" + String(archive.entries[1].localHeaderOffset, radix: 16))
        #expect(finding.evidence == "l -> /etc/passwd")
    }
}
