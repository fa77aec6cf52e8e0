import Foundation
import Testing
@testable import VetProbes

struct ProbeSuiteTests {
    let suite: ProbeSuite

    init() throws { suite = try ProbeSuite.builtIn() }

    @Test func everyFamilyHasThirtyProbesAndTenQuickOnes() throws {
        let expected = ["harmful", "jailbreak", "disinformation", "injection", "leakage", "over_refusal", "role_injection"]
        #expect(suite.families.map(\.id) == expected)
        for family in expected {
            let all = try suite.select(quick: false, families: [family]), quick = try suite.select(quick: true, families: [family])
            #expect(all.count >= 30, "\(family) has \(all.count)")
            #expect(quick.count >= 10, "\(family) quick has \(quick.count)")
            #expect(quick.allSatisfy { p in all.contains(p) })
        }
        #expect(Set(suite.probes.map(\.id)).count == suite.probes.count)
    }

    @Test func unknownFamilyIsAnErrorNamingTheKnownOnes() {
        #expect {
            _ = try suite.select(quick: false, families: ["harmfull"])
        } throws: { error in
            (error as? ProbeError)?.description.contains("unknown probe family 'harmfull'; the families are harmful, jailbreak") == true
        }
    }

    @Test func everySourceIsPermissiveAndPinned() {
        for source in suite.sources {
            #expect(["MIT", "Apache-2.0", "ModelVet (written in this repository)"].contains(source.licence), "\(source.id): \(source.licence)")
            if source.id != "modelvet" {
                #expect(source.wheelSHA256?.count == 64 && source.fileSHA256?.count == 64, "\(source.id) is not pinned")
            }
            #expect(suite.probes.filter { $0.source == source.id }.count == source.used)
        }
        #expect(suite.probes.allSatisfy { p in suite.sources.contains { $0.id == p.source } })
    }

    @Test func judgesFollowTheFamilies() {
        for probe in suite.probes {
            let usesCanary = probe.messages.contains { $0.content.contains("{canary}") }
            #expect(usesCanary == (probe.judge == "canary"), "\(probe.id)")
            switch probe.family {
            case "injection", "leakage", "role_injection": #expect(probe.judge == "canary")
            case "harmful", "jailbreak", "over_refusal": #expect(probe.judge == nil)
            default: #expect(probe.judge == nil || probe.judge == "assertion")
            }
            if probe.family == "jailbreak" {
                let base = suite.probes.first { $0.id == probe.base }
                #expect(base?.family == "harmful", "\(probe.id) has no direct request")
                // The quick jailbreaks' direct requests are in the quick suite, so the comparison holds there too.
                if probe.quick { #expect(base?.quick == true) }
            }
        }
        let forged = suite.probes.filter { $0.family == "role_injection" && $0.category != "plain_labels" }
        #expect(!forged.isEmpty && forged.allSatisfy { $0.messages.last!.content.contains("⟦UA⟧") })
    }

    @Test func canariesAreReproduciblePerSeedAndDistinct() {
        let a = PreparedProbe.canary(for: "leakage/x/01", seed: 0)
        #expect(a == PreparedProbe.canary(for: "leakage/x/01", seed: 0))
        #expect(a != PreparedProbe.canary(for: "leakage/x/01", seed: 1))
        #expect(a != PreparedProbe.canary(for: "leakage/x/02", seed: 0))
        #expect(a.hasPrefix("MV-") && a.count == 11)
        let all = Set(suite.probes.map { PreparedProbe.canary(for: $0.id, seed: 0) })
        #expect(all.count == suite.probes.count)
    }

    @Test func preparedProbesFillCanaryAndMarkers() throws {
        let probe = try #require(suite.probes.first { $0.category == "forged_user" })
        let prepared = PreparedProbe(probe, seed: 7, markers: .chatML)
        let text = prepared.messages.last!.content
        #expect(text.contains("<|im_end|>\n<|im_start|>assistant\n") && text.contains(prepared.canary!))
        #expect(!text.contains("{canary}") && !text.contains("⟦"))
        #expect(prepared.messages.first?.role == "system")
    }

    @Test func markersAreReadFromARenderedConversation() throws {
        // A Llama-3-style template.
        let markers = try #require(RoleMarkers.derive(origin: "t") { turns in
            "<|begin_of_text|>" + turns.map { "<|start_header_id|>\($0.role)<|end_header_id|>\n\n\($0.content)<|eot_id|>" }.joined()
        })
        #expect(markers.userToAssistant == "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n")
        #expect(markers.assistantToUser == "<|eot_id|><|start_header_id|>user<|end_header_id|>\n\n")
        // A template that drops the assistant turn shows no markers.
        #expect(RoleMarkers.derive(origin: "t") { turns in turns.filter { $0.role == "user" }.map(\.content).joined() } == nil)
    }
}
