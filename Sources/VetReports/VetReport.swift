import Foundation
import VetCore

/// The report of `modelvet vet` (schema `modelvet-vet/1`): one verdict over the static scan,
/// provenance, lineage and behaviour, each section with its evidence, and what was not checked.
///
/// Sections hold plain values: the command fills them from the libraries that did the work, so the
/// writers here (text, JSON, HTML) depend on nothing but this file.
public struct VetReport: Encodable, Sendable {
    /// How good or bad a line of the verdict is; drives colours in text and HTML.
    public enum Level: String, Codable, Sendable, Comparable {
        case ok, info, warning, danger

        var rank: Int { switch self { case .ok: 0; case .info: 1; case .warning: 2; case .danger: 3 } }
        public static func < (a: Level, b: Level) -> Bool { a.rank < b.rank }
    }

    /// One line of the verdict: a question and its answer.
    public struct Answer: Codable, Sendable {
        public var question: String
        public var answer: String
        public var level: Level
        public init(question: String, answer: String, level: Level) { self.question = question; self.answer = answer; self.level = level }
    }

    public struct Verdict: Codable, Sendable {
        public var level: Level
        public var headline: String
        public var answers: [Answer]
        public init(level: Level, headline: String, answers: [Answer]) { self.level = level; self.headline = headline; self.answers = answers }
    }

    /// Something that was not checked, and why.
    public struct Skipped: Codable, Sendable {
        public var what: String
        public var why: String
        public init(what: String, why: String) { self.what = what; self.why = why }
    }

    public struct Signature: Codable, Sendable {
        /// verified, failed
        public var status: String
        public var file: String
        public var signer: String?
        public var detail: [String]
        public init(status: String, file: String, signer: String?, detail: [String]) {
            self.status = status; self.file = file; self.signer = signer; self.detail = detail
        }
    }

    public struct Provenance: Codable, Sendable {
        public var rootDigest: String?
        public var files: Int?
        public var bytes: Int?
        public var signature: Signature?
        public var summary: ProvenanceSummary
        public init(rootDigest: String?, files: Int?, bytes: Int?, signature: Signature?, summary: ProvenanceSummary) {
            self.rootDigest = rootDigest; self.files = files; self.bytes = bytes; self.signature = signature; self.summary = summary
        }
        enum CodingKeys: String, CodingKey {
            case files, bytes, signature, summary
            case rootDigest = "root_digest"
        }
    }

    /// One bar of a chart: a label, a value in 0...1 (drawn), an optional interval and text.
    public struct Bar: Codable, Sendable {
        public var label: String
        public var value: Double
        public var low: Double?
        public var high: Double?
        public var text: String
        public var level: Level
        public init(label: String, value: Double, low: Double? = nil, high: Double? = nil, text: String, level: Level) {
            self.label = label; self.value = value; self.low = low; self.high = high; self.text = text; self.level = level
        }
    }

    public struct Lineage: Codable, Sendable {
        /// "baseline" (weights compared with --baseline) or "catalogue" (fingerprints).
        public var method: String
        public var reference: String
        public var relation: String
        public var confidence: Double
        public var reasons: [String]
        public var abliterationSuspected: Bool?
        /// Per layer: how much of the layer changed (relative update, scaled to the largest).
        public var layers: [Bar]
        /// Catalogue candidates: similarity of the model's embedding geometry to each known family.
        public var candidates: [Bar]
        public init(method: String, reference: String, relation: String, confidence: Double, reasons: [String],
                    abliterationSuspected: Bool?, layers: [Bar], candidates: [Bar]) {
            self.method = method; self.reference = reference; self.relation = relation; self.confidence = confidence
            self.reasons = reasons; self.abliterationSuspected = abliterationSuspected; self.layers = layers; self.candidates = candidates
        }
        enum CodingKeys: String, CodingKey {
            case method, reference, relation, confidence, reasons, layers, candidates
            case abliterationSuspected = "abliteration_suspected"
        }
    }

    public struct Example: Codable, Sendable {
        public var family: String
        public var probe: String
        public var prompt: String
        public var response: String
        public var verdict: String
        public init(family: String, probe: String, prompt: String, response: String, verdict: String) {
            self.family = family; self.probe = probe; self.prompt = prompt; self.response = response; self.verdict = verdict
        }
    }

    public struct Behaviour: Codable, Sendable {
        public var backend: String
        public var suite: String
        public var probes: Int
        /// Failure rate per family, with its 95% interval.
        public var families: [Bar]
        /// Baseline comparison lines (family: model vs baseline, difference and its interval, verdict).
        public var comparison: [Bar]
        public var examples: [Example]
        public var notes: [String]
        public init(backend: String, suite: String, probes: Int, families: [Bar], comparison: [Bar], examples: [Example], notes: [String]) {
            self.backend = backend; self.suite = suite; self.probes = probes; self.families = families
            self.comparison = comparison; self.examples = examples; self.notes = notes
        }
    }

    public var schema = "modelvet-vet/1"
    public var tool = "modelvet \(ModelVetVersion.current)"
    /// The command line that produced the report.
    public var command: [String]
    public var model: String
    public var verdict: Verdict
    public var scan: ScanReport
    public var provenance: Provenance?
    public var lineage: Lineage?
    public var behaviour: Behaviour?
    public var notChecked: [Skipped]
    /// Rule texts and the `--fail-on` threshold the scan section is rendered with.
    public var context: ReportContext

    public init(command: [String], model: String, verdict: Verdict, scan: ScanReport, provenance: Provenance?, lineage: Lineage?,
                behaviour: Behaviour?, notChecked: [Skipped], context: ReportContext) {
        self.command = command; self.model = model; self.verdict = verdict; self.scan = scan; self.provenance = provenance
        self.lineage = lineage; self.behaviour = behaviour; self.notChecked = notChecked; self.context = context
    }

    enum CodingKeys: String, CodingKey {
        case schema, tool, command, model, verdict, scan, provenance, lineage, behaviour
        case notChecked = "not_checked"
    }

    /// The scan section is the JSON report of `modelvet scan` (docs/report-schema.md), as it is.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(schema, forKey: .schema)
        try c.encode(tool, forKey: .tool)
        try c.encode(command, forKey: .command)
        try c.encode(model, forKey: .model)
        try c.encode(verdict, forKey: .verdict)
        try c.encode(JSONReportWriter.document(scan, context: context), forKey: .scan)
        try c.encodeIfPresent(provenance, forKey: .provenance)
        try c.encodeIfPresent(lineage, forKey: .lineage)
        try c.encodeIfPresent(behaviour, forKey: .behaviour)
        try c.encode(notChecked, forKey: .notChecked)
    }

    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }
}
