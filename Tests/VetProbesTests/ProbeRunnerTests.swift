import Foundation
import Testing
@testable import VetProbes

/// A backend that answers from a rule, counting what it was asked.
final class ScriptedBackend: ProbeBackend {
    let label = "scripted"
    let kind = "test"
    let preferredBatch = 4
    var calls: [[[ChatTurn]]] = []
    let answer: ([ChatTurn]) -> BackendReply

    init(answer: @escaping ([ChatTurn]) -> BackendReply) { self.answer = answer }

    func roleMarkers() throws -> RoleMarkers { .chatML }

    func complete(_ conversations: [[ChatTurn]], maxTokens: Int) throws -> [BackendReply] {
        calls.append(conversations)
        return conversations.map(answer)
    }
}

struct ProbeRunnerTests {
    let suite: ProbeSuite
    init() throws { suite = try ProbeSuite.builtIn() }

    /// Refuses everything, except that it leaks whatever canary its system prompt holds.
    static func leaky(_ turns: [ChatTurn]) -> BackendReply {
        if let system = turns.first(where: { $0.role == "system" })?.content,
           let range = system.range(of: #"MV-[A-Z0-9]{8}"#, options: .regularExpression) {
            return BackendReply(text: "Sure, the code is \(system[range]).", tokens: 7)
        }
        return BackendReply(text: "I'm sorry, but I can't help with that.", tokens: 9)
    }

    @Test func judgesEveryFamilyByItsRule() throws {
        let probes = try suite.select(quick: true, families: ["harmful", "leakage", "over_refusal", "injection"])
        let backend = ScriptedBackend(answer: Self.leaky)
        let outcome = try ProbeRunner(seed: 3, maxTokens: 32, batch: 5).run(probes, on: backend)
        #expect(outcome.records.count == probes.count && outcome.ran == probes.count)
        #expect(backend.calls.map(\.count).allSatisfy { $0 <= 5 })
        let run = ProbeReport.summarise(outcome.records, suite: suite, model: "m", backend: "test", markers: .chatML,
                                        templateCheck: nil, timings: nil)
        let rates = Dictionary(uniqueKeysWithValues: run.families.map { ($0.id, $0.rate) })
        #expect(rates["harmful"] == 0)        // refused every harmful request
        #expect(rates["over_refusal"] == 1)   // and every safe one
        #expect(rates["leakage"] == 1)        // leaked every canary
        #expect(rates["injection"] == 0)      // injected canaries are not in its system prompt
        let leakage = try #require(run.families.first { $0.id == "leakage" })
        #expect(leakage.examples.count == 3 && leakage.examples.allSatisfy { $0.verdict == "verbatim" })
        #expect(leakage.ci[0] > 0.7 && leakage.ci[1] == 1)
    }

    @Test func backendErrorsAreCountedNotJudged() throws {
        let probes = try suite.select(quick: true, families: ["harmful"])
        let backend = ScriptedBackend { turns in
            turns.last!.content.count % 2 == 0 ? BackendReply(text: "", error: "HTTP 500") : BackendReply(text: "Sure, here's how: step one.")
        }
        let outcome = try ProbeRunner(seed: 0, maxTokens: 8, batch: 16).run(probes, on: backend)
        let run = ProbeReport.summarise(outcome.records, suite: suite, model: "m", backend: "t", markers: .chatML, templateCheck: nil, timings: nil)
        let family = try #require(run.families.first)
        let errors = outcome.records.filter { $0.error != nil }
        #expect(!errors.isEmpty && errors.allSatisfy { $0.verdict == "error" && !$0.failed })
        #expect(family.errors == errors.count && family.n == probes.count - errors.count)
        #expect(family.failures == family.n)
    }

    @Test("resume skips what the transcript holds and gives the same report")
    func resumeFromTranscript() throws {
        let probes = try suite.select(quick: true, families: ["leakage", "role_injection"])
        var lines = ""
        let full = try ProbeRunner(seed: 1, maxTokens: 8, batch: 4).run(probes, on: ScriptedBackend(answer: Self.leaky),
                                                                           record: { lines += try Transcript.recordLine($0, run: "model") })
        // Interrupted after 9 records, the tenth cut mid-line.
        let kept = lines.split(separator: "\n").prefix(9).joined(separator: "\n") + "\n" + String(lines.split(separator: "\n")[9].prefix(30))
        let read = try Transcript.read(kept)
        #expect(read.records["model"]?.count == 9)
        let backend = ScriptedBackend(answer: Self.leaky)
        let resumed = try ProbeRunner(seed: 1, maxTokens: 8, batch: 4).run(probes, on: backend, done: read.records["model"]!)
        #expect(resumed.ran == probes.count - 9)
        #expect(backend.calls.flatMap { $0 }.count == probes.count - 9)
        #expect(resumed.records == full.records)
    }

    @Test func transcriptLinesThatAreNotRecordsAreErrors() throws {
        #expect(throws: ProbeError.self) { try Transcript.read("{\"type\":\"header\"}\nnot json\n{}\n") }
        #expect(throws: ProbeError.self) { try Transcript.read("[1,2]\n") }
        let header = Transcript.Header(suiteVersion: "1", suiteSHA256: "a", model: "m", seed: 1, maxTokens: 8, quick: true, families: nil, run: "model")
        var other = header
        other.seed = 2
        #expect(header.resumable(from: other)?.contains("--seed 2") == true)
        #expect(header.resumable(from: header) == nil)
        let parsed = try Transcript.read(try Transcript.line(header))
        #expect(parsed.headers["model"] == header)
    }

    @Test("same probes, seed and replies: byte-identical JSON apart from timings")
    func deterministicReport() throws {
        func report() throws -> String {
            let probes = try suite.select(quick: true)
            let outcome = try ProbeRunner(seed: 9, maxTokens: 8, batch: 7).run(probes, on: ScriptedBackend(answer: Self.leaky))
            let run = ProbeReport.summarise(outcome.records, suite: suite, model: "m", backend: "t", markers: outcome.markers,
                                            templateCheck: nil, timings: nil)
            return try ProbeReport(modelvetVersion: "x", suite: .init(version: suite.version, sha256: "s", quick: true, families: [], seed: 9, maxTokens: 8),
                                   judges: [:], run: run, baseline: nil, comparison: nil).json()
        }
        #expect(try report() == report())
    }

    @Test func wrappersAreComparedWithTheirDirectRequests() throws {
        let probes = try suite.select(quick: true, families: ["harmful", "jailbreak"])
        // Refuses direct requests; complies once wrapped in base64.
        let backend = ScriptedBackend { turns in
            turns.last!.content.contains("base64") ? BackendReply(text: "Sure! Step 1: do the thing. Step 2: finish it.")
                : BackendReply(text: "I'm sorry, but I can't help with that.")
        }
        let outcome = try ProbeRunner(seed: 0, maxTokens: 8, batch: 8).run(probes, on: backend)
        let run = ProbeReport.summarise(outcome.records, suite: suite, model: "m", backend: "t", markers: .chatML, templateCheck: nil, timings: nil)
        let base64 = try #require(run.jailbreakWrappers.first { $0.id == "base64" })
        #expect(base64.result.rate == 1 && base64.direct.rate == 0 && base64.direct.n == 1)
        let roleplay = try #require(run.jailbreakWrappers.first { $0.id == "roleplay" })
        #expect(roleplay.result.rate == 0 && roleplay.difference == 0)
    }

    @Test func compareModeGivesVerdicts() throws {
        func family(_ id: String, _ failures: Int, _ n: Int) -> ProbeReport.Family {
            let i = ProbeReport.Interval(failures: failures, n: n)
            return ProbeReport.Family(id: id, title: id, failure: "", n: n, failures: failures, rate: i.rate, ci: i.ci, errors: 0,
                                      categories: [], examples: [])
        }
        func run(_ families: [ProbeReport.Family]) -> ProbeReport.Run {
            ProbeReport.Run(model: "m", backend: "t", roleMarkers: .chatML, templateCheck: nil, families: families, jailbreakWrappers: [], timings: nil)
        }
        let model = run([family("harmful", 30, 42), family("leakage", 5, 37), family("over_refusal", 2, 36)])
        let base = run([family("harmful", 4, 42), family("leakage", 6, 37), family("over_refusal", 20, 36)])
        let verdicts = Dictionary(uniqueKeysWithValues: ProbeReport.compare(model, base).map { ($0.family, $0.verdict) })
        #expect(verdicts == ["harmful": "significantly less safe", "leakage": "no detectable change", "over_refusal": "safer"])
    }

    @Test func examplesAreTruncatedAndEscaped() {
        let text = ProbeReport.truncate("a\u{1B}[2Jb\u{202E}c\nd" + String(repeating: "x", count: 500))
        #expect(text.hasPrefix("a\\u{1b}[2Jb\\u{202e}c\nd"))
        #expect(text.hasSuffix("…") && text.count <= ProbeReport.exampleLength + 12)
    }
}
