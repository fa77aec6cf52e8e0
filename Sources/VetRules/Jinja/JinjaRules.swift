import VetCore
import VetJinja

/// Chat-template injection rules: parses one Jinja template and reports sandbox-escape
/// constructs (the CVE-2024-34359 class) and templates that cannot be parsed.
public enum JinjaRules {
    /// Every Jinja rule.
    public static var all: [RuleDescriptor] {
        [JinjaDunderAccessRule.descriptor, JinjaComputedAttributeRule.descriptor, JinjaEscapeObjectRule.descriptor,
         JinjaTemplateLoadingRule.descriptor, JinjaUnparseableRule.descriptor]
    }

    /// Parses `template` and reports what it finds.
    /// - Parameters:
    ///   - template: the chat template text (from GGUF metadata or `tokenizer_config.json`).
    ///   - location: where the template came from; messages give line:column within the template.
    ///   - limits: parse budgets.
    ///   - sink: receives the findings.
    public static func check(_ template: String, at location: Location, limits: ScanLimits = ScanLimits(),
                             into sink: inout FindingSink) {
        let parsed: JinjaTemplate
        do {
            parsed = try JinjaTemplate.parse(template, limits: JinjaLimits(limits))
        } catch {
            let what = error.kind == .limit ? "exceeds a parsing limit" : "is not valid Jinja"
            sink.report(JinjaUnparseableRule.descriptor, "chat template \(what): line \(error.position): \(error.message)",
                        at: location, evidence: excerpt(template, around: error.position.offset))
            return
        }
        var analyzer = JinjaTemplateAnalyzer(bindings: JinjaBindings.of(parsed))
        parsed.walk(&analyzer)
        for issue in analyzer.issues {
            let rule: RuleDescriptor
            var severity: Severity?
            switch issue.kind {
            case .dunder: rule = JinjaDunderAccessRule.descriptor
            case .computedName: rule = JinjaComputedAttributeRule.descriptor
            case .escapeObject: rule = JinjaEscapeObjectRule.descriptor
            case .critical: rule = JinjaEscapeObjectRule.descriptor; severity = .critical
            case .templateLoading: rule = JinjaTemplateLoadingRule.descriptor
            }
            sink.report(rule, "chat template " + issue.message, at: location,
                        evidence: excerpt(template, around: issue.position.offset), severity: severity)
        }
    }

    /// Up to 80 bytes of the template starting near `offset`, for evidence.
    static func excerpt(_ template: String, around offset: Int) -> String {
        let utf8 = Array(template.utf8)
        let start = max(0, min(offset, utf8.count) - 10)
        let end = min(utf8.count, start + 80)
        return Evidence.clip(String(decoding: utf8[start..<end], as: UTF8.self), maxLength: 80)
    }
}
