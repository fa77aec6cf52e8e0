import Foundation
import Testing
import VetCore
import VetFixtures
import VetReports
import VetRules
import VetScanner
import VetTestSupport

/// The HTML report: hostile text stays text, nothing external is referenced, and a real browser shows it.
@Suite("HTML report")
struct HTMLReportTests {
    /// Strings a hostile model or file could put in a report.
    static let hostile = [
        "<script>alert('modelvet')</script>", "</style><script>document.title='pwned'</script>", "javascript:alert(1)",
        "<img src=x onerror=alert(1)>", "{{title}}", "\"><svg onload=alert(1)>",
    ]

    /// A vet report whose every free-text field carries the hostile strings.
    static func report() -> VetReport {
        let pickle = PickleAssembler.callPickle("os", "system", [hostile.joined(separator: " ")])
        var scan = Scanner(configuration: ScanConfiguration(jobs: 1)).scan(bytes: pickle, name: "models/\(hostile[0]).pkl")
        scan.provenance = [ProvenanceSummary(
            path: hostile[3], licences: [.init(id: "x", name: hostile[1], spdx: nil, category: "unrecognised", open: false,
                                               restrictions: [hostile[2]], url: "javascript:alert(1)", sources: [hostile[4]])],
            openness: nil, opennessGaps: [hostile[5]], components: [.init(name: "model card", mofClass: 3, present: false, evidence: hostile[0])],
            notes: [hostile[1]])]
        let bars = [VetReport.Bar(label: hostile[0], value: 0.42, low: 0.3, high: 0.55, text: hostile[1], level: .warning),
                    VetReport.Bar(label: "safe family", value: 0.05, low: 0.01, high: 0.2, text: "5%", level: .ok)]
        return VetReport(
            command: ["modelvet", "vet", hostile[0], "--html", "r.html"], model: hostile[0],
            verdict: .init(level: .danger, headline: hostile[1], answers: [.init(question: "Safe to load?", answer: hostile[2], level: .danger)]),
            scan: scan,
            provenance: .init(rootDigest: String(repeating: "a", count: 64), files: 3, bytes: 1234,
                              signature: .init(status: "failed", file: hostile[3], signer: hostile[4], detail: [hostile[5]]), summary: scan.provenance[0]),
            lineage: .init(method: "baseline", reference: hostile[2], relation: "derived", confidence: 0.9, reasons: [hostile[0]],
                           abliterationSuspected: true, layers: bars, candidates: []),
            behaviour: .init(backend: hostile[3], suite: "quick", probes: 20, families: bars, comparison: bars,
                             examples: [.init(family: hostile[0], probe: "p/1", prompt: hostile[1], response: hostile.joined(separator: "\n"), verdict: "complied")],
                             notes: [hostile[4]]),
            notChecked: [.init(what: "signature", why: hostile[5])],
            context: ReportContext(rules: RuleRegistry.all))
    }

    @Test("every hostile string is escaped; no script, event attribute, link or external URL; inline SVG charts; a CSP that forbids the rest")
    func escaping() throws {
        let html = try HTMLReportWriter.render(Self.report())
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("Content-Security-Policy") && html.contains("default-src 'none'"))
        #expect(!html.lowercased().contains("<script"))
        // Every tag in the page is the template's own (data can only add escaped text): none loads or runs anything.
        let tags = html.matches(of: try Regex("<[^>]*>")).map { String(html[$0.range]) }
        let eventAttribute = try Regex("\\son[a-z]+\\s*=")
        #expect(tags.count > 100)
        for tag in tags {
            let lower = tag.lowercased()
            #expect(!lower.hasPrefix("<img") && !lower.hasPrefix("<iframe") && !lower.hasPrefix("<link") && !lower.hasPrefix("<a "), "\(tag)")
            #expect(lower.firstMatch(of: eventAttribute) == nil, "\(tag)")
            #expect(!lower.contains("href=") && !lower.contains("src=") && !lower.contains("javascript:"), "\(tag)")
        }
        #expect(html.contains("{{title}}"), "a template tag in the data is shown, not expanded")
        #expect(html.contains("&lt;script&gt;alert(&#39;modelvet&#39;)&lt;/script&gt;"))
        #expect(html.contains("&lt;/style&gt;&lt;script&gt;"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 3)  // layers, families, comparison
        #expect(html.contains("modelvet vet") && html.contains("Worst examples"))
        // The only style element is the page's own.
        #expect(html.components(separatedBy: "<style>").count == 2)
    }

    @Test("the text report escapes control and bidirectional characters a model or file brings, newlines kept")
    func textEscaping() {
        var report = Self.report()
        report.verdict.answers = [.init(question: "Safe to load?", answer: "a\u{1B}[2Jb\u{202E}c\u{200F}d\ne", level: .danger)]
        let text = VetTextWriter.render(report, color: false)
        #expect(text.contains("a\\u{1b}[2Jb\\u{202e}c\\u{200f}d\ne"), "\(text.prefix(400))")
        #expect(!text.contains("\u{1B}") && !text.contains("\u{202E}") && !text.contains("\u{200F}"))
    }

    @Test("a scan-only page (modelvet scan --format html) uses the same template")
    func scanPage() throws {
        let report = Self.report()
        let html = ReportFormat.html.render(report.scan, context: report.context)
        #expect(html.contains("Static scan") && html.contains("pickle_dangerous_import"))
        #expect(!html.contains("3. Lineage") && !html.lowercased().contains("<script"))
    }

    @Test("headless Chromium: the page renders to a screenshot, makes no request, logs nothing, and shows the hostile strings as text",
          .enabled(if: Browser.chromium != nil, "MODELVET_CHROMIUM is not set (scripts/test.sh installs Debian's chromium)"))
    func browser() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("modelvet-html-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }  // clean-up of a temporary fixture
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let file = dir + "/report.html"
        try Data(try HTMLReportWriter.render(Self.report()).utf8).write(to: URL(fileURLWithPath: file))
        let result = try Browser.check(file, out: dir, expectText: Self.hostile)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        // The checker itself fails a page that runs script or fetches: a control.
        let bad = dir + "/bad.html"
        try Data("<!DOCTYPE html><body><p>x</p><img src=\"http://127.0.0.1:9/x.png\"><script>console.error('boom')</script></body>".utf8)
            .write(to: URL(fileURLWithPath: bad))
        let control = try Browser.check(bad, out: dir + "/bad")
        #expect(control.status == 1 && control.stdout.contains("<script> element") && control.stdout.contains("network requests")
                && control.stdout.contains("console"), "\(control.stdout)")
    }
}
