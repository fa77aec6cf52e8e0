import Testing
import VetCore
import VetFormats
import VetRules

/// Findings of `JinjaRules.check` on one template.
func jinjaFindings(_ template: String) -> [Finding] {
    var sink = FindingSink()
    JinjaRules.check(template, at: Location(file: "tokenizer_config.json"), into: &sink)
    return sink.findings
}

@Suite struct JinjaRulesTests {
    /// Sandbox-escape payloads seen in the wild or in write-ups; each must be flagged.
    static let payloads: [String] = [
        "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen('echo modelvet').read() }}",
        "{% for x in ().__class__.__base__.__subclasses__() %}{% if 'warning' in x.__name__ %}"
            + "{{ x()._module.__builtins__['__import__']('os').popen('echo modelvet').read() }}{% endif %}{% endfor %}",
        "{{ lipsum.__globals__['os'].popen('echo modelvet').read() }}",
        "{{ ()|attr('__class__') }}",
        "{{ ()['__cla' ~ 'ss__'] }}",
        "{{ request|attr('application')|attr('\\x5f\\x5fglobals\\x5f\\x5f') }}",
        "{{ namespace.__init__.__globals__.os.popen('echo modelvet').read() }}",
        "{% set x = '_'*2 ~ 'class' ~ '_'*2 %}{{ ()[x] }}",
        "{{ ()[['_','_','class','_','_']|join] }}",
        "{{ ()['__ssalc__'[::-1]] }}",
        "{% set n = 'CLASS'|lower %}{{ ()['__' ~ n ~ '__'] }}",
        "{{ ()['{}{}'.format('__cla', 'ss__')] }}",
        "{{ ()['%sclass%s' % ('__', '__')] }}",
        "{{ cycler.__init__.__globals__.os }}",
        "{{ joiner.__init__.__globals__ }}",
        "{{ range.__class__ }}",
        "{% set a = 'po' %}{% set b = a ~ 'pen' %}{{ x[b] }}",
        "{{ messages|map(attribute='__class__')|list }}",
        "{{ config.items() }}",
        "{{ url_for.__globals__ }}",
        "{{ get_flashed_messages.__globals__ }}",
        "{% set x %}__class__{% endset %}{{ ()[x] }}",
        "{% macro n() %}__class__{% endmacro %}{{ ()[n()] }}",
        "{% for part in ['__cla', 'ss__'] %}{{ part }}{% endfor %}",
        "{% filter attr('__class__') %}x{% endfilter %}",
        "{{ ns.__dict__ }}",
        "{{ x.mro() }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{% include 'other.jinja' %}",
        "{% import 'macros.jinja' as m %}",
        "{% extends 'base.jinja' %}",
        "{% from 'x' import y %}",
        "{% for message in messages %}",
        "{{ 1 +* 2 }}",
        "{% bogus %}",
    ]

    @Test(arguments: payloads)
    func payloadIsFlagged(_ template: String) {
        #expect(!jinjaFindings(template).isEmpty, "not flagged: \(template)")
    }

    @Test func publishedPayloadIsCritical() {
        let findings = jinjaFindings(JinjaRulesTests.payloads[0])
        #expect(findings.contains { $0.ruleID == "jinja_dunder_access" && $0.severity == .critical })
        #expect(findings.contains { $0.ruleID == "jinja_sandbox_escape_object" && $0.severity == .critical })
        #expect(findings.contains { $0.message.contains("line 1:") })
    }

    @Test func assembledNamesAreResolved() {
        let findings = jinjaFindings("{% set x = '_'*2 ~ 'class' ~ '_'*2 %}{{ ()[x] }}")
        #expect(findings.contains { $0.ruleID == "jinja_dunder_access" && $0.message.contains("'__class__'") })
        let reversed = jinjaFindings("{{ ()['__ssalc__'[::-1]] }}")
        #expect(reversed.contains { $0.message.contains("'__class__'") })
        let joined = jinjaFindings("{{ ()[['_','_','class','_','_']|join] }}")
        #expect(joined.contains { $0.ruleID == "jinja_dunder_access" })
    }

    @Test func parseFailureIsReportedWithPosition() {
        let findings = jinjaFindings("line one\n{% if x %}\n{{ y }")
        #expect(findings.count == 1)
        #expect(findings.first?.ruleID == "jinja_unparseable_template")
        #expect(findings.first?.message.contains("line 3:") == true)
    }

    @Test func limitsAreReportedNotCrashed() {
        let deep = String(repeating: "(", count: 5000) + "1" + String(repeating: ")", count: 5000)
        let findings = jinjaFindings("{{ " + deep + " }}")
        #expect(findings.first?.ruleID == "jinja_unparseable_template")
        #expect(findings.first?.message.contains("limit") == true)
    }

    @Test(arguments: [
        "{% for message in messages %}{{ message['role'] }}: {{ message['content'] }}{% endfor %}",
        "{% set ns = namespace(found=false) %}{% for m in messages %}{% set ns.found = true %}{% endfor %}",
        "{{ messages[0]['content'] if messages[0]['role'] == 'system' else '' }}",
        "{% for m in messages[1:] %}{{ m.content|trim }}{% endfor %}",
        "{{ raise_exception('Conversation roles must alternate') }}",
        "{{ bos_token + messages|length|string }}{{ tools|tojson(indent=4) }}",
    ])
    func ordinaryTemplatesAreClean(_ template: String) {
        #expect(jinjaFindings(template).isEmpty, "flagged: \(template)")
    }

    @Test func descriptorExamplesBehave() throws {
        for rule in JinjaRules.all {
            #expect(rule.references.contains("CVE-2024-34359"))
            #expect(rule.examples.contains { $0.triggers } && rule.examples.contains { !$0.triggers })
            for example in rule.examples {
                let json = try JSONParser.parse(String(decoding: example.makeBytes(), as: UTF8.self))
                let template = try #require(json["chat_template"]?.string)
                let fired = jinjaFindings(template).contains { $0.ruleID == rule.id }
                #expect(fired == example.triggers, "\(rule.id): \(example.summary)")
            }
        }
    }
}
