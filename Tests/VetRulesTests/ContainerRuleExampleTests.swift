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
        #expect(ZipAnomalyRules.rules.count == ZipAnomalyKind.allCases.count)
        for kind in ZipAnomalyKind.allCases {
            let rule = ZipAnomalyRules.rule(for: kind)
            #expect((rule.id, rule.severity) == expected[kind] ?? ("", .info), "\(kind)")
        }
    }

    @Test("every tar anomaly kind has exactly one rule, with the agreed id and severity")
    func tarRegistry() {
        let expected: [TarAnomalyKind: (String, Severity)] = [
            .pathTraversal: ("tar_path_traversal", .high), .link: ("tar_link", .high),
            .specialFile: ("tar_special_file", .medium), .checksumMismatch: ("tar_checksum_mismatch", .medium),
            .malformed: ("tar_malformed", .medium), .duplicateName: ("tar_duplicate_name", .high),
            .unaccountedData: ("tar_unaccounted_data", .medium), .sparseMember: ("tar_sparse_member", .medium),
        ]
        #expect(TarAnomalyRules.rules.count == TarAnomalyKind.allCases.count)
        for kind in TarAnomalyKind.allCases {
            let rule = TarAnomalyRules.rule(for: kind)
            #expect((rule.id, rule.severity) == expected[kind] ?? ("", .info), "\(kind)")
        }
    }

    @Test("zip rule examples trigger exactly when they say they do")
    func zipExamples() throws {
        for descriptor in ZipAnomalyRules.rules {
            #expect(!descriptor.references.isEmpty && descriptor.examples.contains { $0.triggers }
                    && descriptor.examples.contains { !$0.triggers }, "\(descriptor.id)")
            for example in descriptor.examples {
                let location = Location(file: example.fileName)
                let archive = try ZipArchive.parse(ByteSource(example.makeBytes()), limits: ScanLimits())
                var sink = FindingSink()
                ZipAnomalyRules.report(archive.anomalies, at: location, into: &sink)
                ZipAnomalyRules.report(archive.entries.compactMap(archive.verifyCRC(of:)), at: location, into: &sink)
                let fired = sink.findings.contains { $0.ruleID == descriptor.id }
                #expect(fired == example.triggers, "\(descriptor.id): \(example.summary): \(sink.findings)")
            }
        }
    }

    @Test("tar rule examples trigger exactly when they say they do")
    func tarExamples() throws {
        for descriptor in TarAnomalyRules.rules {
            #expect(!descriptor.references.isEmpty && descriptor.examples.contains { $0.triggers }
                    && descriptor.examples.contains { !$0.triggers }, "\(descriptor.id)")
            for example in descriptor.examples {
                let archive = try TarArchive.parse(ByteSource(example.makeBytes()), limits: ScanLimits())
                var sink = FindingSink()
                TarAnomalyRules.report(archive.anomalies, at: Location(file: example.fileName), into: &sink)
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
        ZipAnomalyRules.report(archive.anomalies, at: Location(file: "model.zip"), into: &sink)
        let finding = try #require(sink.findings.first)
        #expect(finding.ruleID == "zip_symlink" && finding.severity == .high)
        #expect(finding.location.description == "model.zip@0x" + String(archive.entries[1].localHeaderOffset, radix: 16))
        #expect(finding.evidence == "l -> /etc/passwd")
    }
}
